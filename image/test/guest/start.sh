#!/bin/bash
# Started from the kernel command line (test-only): poll the API from early boot on (the
# power-on to API-ready time of check 1), then run the agent, so that no test process
# competes with the booting device for the CPU.
here="$(dirname "$0")"
/bin/bash "$here/api_ready.sh" 300 /run/otpb-api-ready
exec python3 "$here/agent.py"
