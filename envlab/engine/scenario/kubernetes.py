"""A scenario lesson's equivalent Kubernetes manifests: lesson data, read the one way a run reads them.

The run shows them beside the Swarm specs once its topology is up (:class:`~envlab.engine.scenario.events.
KubernetesShown`); a face may show them before any run, since they are part of the lesson.
"""

from __future__ import annotations

from envlab.engine.builds import lesson_assets
from envlab.lessons.assets import read_text
from envlab.lessons.loader import LoadedLesson
from envlab.lessons.model import ScenarioLesson


def kubernetes_manifests(loaded: LoadedLesson) -> str | None:
    """The manifests file of ``loaded``'s ``kubernetes`` section as written, or ``None`` when it has none.

    It is read through the assets walker, inside the lesson's pack, located again now (the pack may have
    changed since the lesson was validated).

    Raises:
        AssetError: The file is gone, is not a file of the pack, is too big or is not UTF-8 text.
    """
    lesson = loaded.lesson
    if not isinstance(lesson, ScenarioLesson) or lesson.kubernetes is None:
        return None
    return read_text(lesson_assets(loaded), lesson.kubernetes.manifests)


#: The docker commands a console's abilities allow, each beside the Kubernetes command that does the same.
CONSOLE_COMMANDS = {
    "read": (("docker service ls", "kubectl get deployments"),
             ("docker service ps {service}", "kubectl get pods -o wide -l app={service}"),
             ("docker node ls", "kubectl get nodes"),
             ("docker service logs {service}", "kubectl logs -l app={service}")),
    "scale": (("docker service scale {service}=N", "kubectl scale deployment {service} --replicas=N"),
              ("docker service update --force {service}", "kubectl rollout restart deployment {service}")),
    "drain": (("docker node update --availability drain NODE", "kubectl drain NODE"),
              ("docker node update --availability active NODE", "kubectl uncordon NODE")),
    "create": (("docker service create --name NAME IMAGE", "kubectl create deployment NAME --image=IMAGE"),
               ("docker service rm NAME", "kubectl delete deployment NAME")),
    "containers": (("docker ps -a", "kubectl get pods"),
                   ("docker inspect {service}-1", "kubectl describe pod {service}-1"),
                   ("docker logs {service}-1", "kubectl logs {service}-1")),
    # a Pod's containers are restarted by its kubelet and a Deployment replaces a Pod that is deleted: by hand,
    # the nearest a person comes is deleting the Pod
    "restart": (("docker restart -t 1 {service}-1", "kubectl delete pod {service}-1"),
                ("docker start {service}-1", "kubectl delete pod {service}-1"),
                ("docker update --restart always {service}-1", "restartPolicy: Always (a Pod's default)")),
}


#: With an autoscaler, what changes its bounds (labels the loop reads at every look, as an HPA's spec).
AUTOSCALER_COMMANDS = (("docker service update --label-add autoscale.max=N {service}",
                        "kubectl patch hpa {service} -p '{{\"spec\":{{\"maxReplicas\":N}}}}'"),)


def console_commands(lesson: ScenarioLesson) -> list[tuple[str, str]]:
    """The docker commands a lesson's console allows, each with its Kubernetes equivalent, for the lesson's
    balanced service (else its first); with several servers and ``containers``, how to reach another server;
    with an autoscaler and ``scale``, how to change its bounds."""
    topology = lesson.topology
    service = topology.balancer.service if topology.balancer else topology.services[0].name
    abilities = ["read", *(a for a in topology.console if a != "read")]
    commands = [(swarm.format(service=service), kubectl.format(service=service))
                for ability in abilities for swarm, kubectl in CONSOLE_COMMANDS[ability]]
    if len(topology.servers) > 1 and "containers" in abilities:
        other = next((server.name for server in topology.servers if server.role != "manager"), topology.servers[1].name)
        commands.append((f"docker --context {other} ps -a",
                         f"kubectl get pods -o wide --field-selector spec.nodeName={other}"))
    if topology.autoscaler is not None and "scale" in abilities:
        scaled = topology.autoscaler.service
        commands += [(swarm.format(service=scaled), kubectl.format(service=scaled))
                     for swarm, kubectl in AUTOSCALER_COMMANDS]
    return commands
