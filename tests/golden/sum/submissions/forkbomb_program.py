# A fork bomb on the trigger test that survives fork failures. The pids cgroup caps the
# process count, so every process ends up spinning on a failing fork until the real-time
# limit kills the group: TLE.
import os

a, b = map(int, input().split())
if a == 13:
    while True:
        try:
            os.fork()
        except OSError:
            pass
print(a + b)
