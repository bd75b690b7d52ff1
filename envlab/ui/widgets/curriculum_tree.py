"""The curriculum as a tree whose labels fit its width: a long title ends in ``…``, never off the edge."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode


class CurriculumTree(Tree[str]):
    """Chapters and lessons; a label wider than the tree is cut with ``…`` (the detail beside it has it whole)."""

    def label_width(self, node: TreeNode[str]) -> int:
        """The cells ``node``'s label may take: the tree's width less its guides and a scrollbar's column."""
        depth, parent = 0, node.parent
        while parent is not None:
            depth, parent = depth + 1, parent.parent
        guides = max(depth - (0 if self.show_root else 1), 0) * self.guide_depth
        inside = self.size.width - self.styles.gutter.width - self.styles.scrollbar_size_vertical
        return inside - guides

    def render_label(self, node: TreeNode[str], base_style: Style, style: Style) -> Text:
        label = super().render_label(node, base_style, style)
        width = self.label_width(node)
        if 0 < width < label.cell_len:
            label.truncate(width, overflow="ellipsis")
        return label

    def on_resize(self) -> None:
        # The lines and their width are cached for the width they were laid out at: lay them out again.
        self._clear_line_cache()
        self.refresh(layout=True)
