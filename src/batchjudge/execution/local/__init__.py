"""The embedded local sandbox: bubblewrap, seccomp, rlimits, cgroups and a supervisor."""
