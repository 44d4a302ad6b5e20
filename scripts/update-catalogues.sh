#!/usr/bin/env bash
# Extract every message people read into app/otpbroker/locale/messages.pot and bring the
# English and Indonesian catalogues in line with it (new messages added untranslated,
# messages no longer in the code removed). Then translate the new Indonesian entries and run
# the i18n tests (tests/i18n), which refuse missing, unused and untranslated messages.
set -euo pipefail
cd "$(dirname "$0")/../app"
pybabel="../.venv/bin/pybabel"
version="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' otpbroker/__init__.py)"
"$pybabel" -q extract -F babel.cfg --no-wrap --sort-by-file --project "OTP Broker" \
  --version "$version" --copyright-holder "OTP Broker" --omit-header \
  -o otpbroker/locale/messages.pot .
for language in en id; do
  if [ -f "otpbroker/locale/$language/LC_MESSAGES/messages.po" ]; then
    "$pybabel" -q update --no-wrap --ignore-obsolete --no-fuzzy-matching \
      -i otpbroker/locale/messages.pot -d otpbroker/locale -l "$language"
  else
    "$pybabel" -q init --no-wrap -i otpbroker/locale/messages.pot -d otpbroker/locale -l "$language"
  fi
done
