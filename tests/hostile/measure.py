"""Run a command as this small process's child and write its exit status and peak memory (JSON) to a file.

Used by tests/hostile/runner.py. A child's `ru_maxrss` includes the memory of whatever process it was forked
from (Linux carries the high-water mark across exec), so the measured command must not be forked from the
big test process itself: this script, started fresh, holds about 10 MB when it forks.

    python measure.py ADDRESS_SPACE_LIMIT RESULT.json COMMAND...
"""

import json
import os
import resource
import sys

limit, result, command = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
pid = os.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))  # a regression fails the test, not the machine
    os.execvp(command[0], command)
_, status, usage = os.wait4(pid, 0)
with open(result, "w", encoding="utf-8") as out:
    cpu = usage.ru_utime + usage.ru_stime
    json.dump({"exit": os.waitstatus_to_exitcode(status), "maxrss_kb": usage.ru_maxrss, "cpu_s": cpu}, out)
