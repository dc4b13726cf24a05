/**
 * A command prefix that runs a program as root with only the capabilities Docker gives a
 * container's root by default: no CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH or CAP_SYS_ADMIN, so no
 * reading other users' /proc/<pid>/cwd, no passing folders other users cannot enter, no bind
 * mounts. `setpriv` is util-linux's, in every Debian; it execs the program (same pid).
 */
export const AS_DOCKER_ROOT = [
  "/usr/bin/setpriv",
  `--bounding-set=${[
    "-all",
    ...["chown", "dac_override", "fsetid", "fowner", "mknod", "net_raw", "setgid", "setuid"],
    ...["setfcap", "setpcap", "net_bind_service", "sys_chroot", "kill", "audit_write"],
  ].join(",+")}`,
];
