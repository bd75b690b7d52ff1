#!/usr/bin/env python3
"""shop-backup: pack each of the shop's folders into its own archive, every night.

Written years ago for the shop's first server and never touched since. It quotes folder names
for the shell with the pipes module, as the Python of that time suggested.
"""
import os
import pipes
import sys

FOLDERS = "/etc/shop-backup/folders.txt"
TARGET = "/var/backups/shop"


def folders():
    with open(FOLDERS, encoding="utf-8") as file:
        return [line.strip() for line in file if line.strip() and not line.startswith("#")]


def main():
    os.makedirs(TARGET, exist_ok=True)
    packed = 0
    for folder in folders():
        parent, name = os.path.split(folder.rstrip("/"))
        archive = os.path.join(TARGET, name.replace(" ", "-") + ".tar.gz")
        command = "tar -czf %s -C %s %s" % (pipes.quote(archive), pipes.quote(parent), pipes.quote(name))
        print("+ " + command, flush=True)
        if os.system(command) != 0:
            sys.exit("shop-backup: could not pack %s" % folder)
        packed += 1
    print("shop-backup: %d folders packed into %s" % (packed, TARGET))


if __name__ == "__main__":
    main()
