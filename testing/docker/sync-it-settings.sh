# Sourced by scripts/test.sh and testing/cluster/it.sh: the settings under which the sync integration tests (SyncIT)
# can tell a sync that works from one that does nothing. The Docker daemon gets a mount namespace of its own in which
# the tests' workspace directory and /var/lib/docker (where the bundled template's volume, and so the mirrors, live in
# a pod) are empty tmpfs mounts; the control plane runs `kubectl exec` commands in that namespace (KPE_EXEC_MODE=daemon)
# unless a test made a container for the pod (kpe-exec-{namespace}-{pod}, as in docker mode).
KPE_SYNC_IT_WORK_DIR="${KPE_SYNC_IT_WORK_DIR:-${TMPDIR:-/tmp}/kpe-sync-it}"
KPE_DOCKER_PRIVATE_DIRS="${KPE_DOCKER_PRIVATE_DIRS-/var/lib/docker:$KPE_SYNC_IT_WORK_DIR}"
export KPE_SYNC_IT_WORK_DIR KPE_DOCKER_PRIVATE_DIRS
