# The embedded default's environment, sourced by scripts/run.sh (and by its test): safe to run on an office LAN.
# Debug pages list every address of the application and show settings: off unless asked for (DJANGO_DEBUG=true).
# Static files are served by the application itself (WhiteNoise), so nothing else is needed with DEBUG off.
export KHUYENHOC_ENV="${KHUYENHOC_ENV:-development}"
export DJANGO_DEBUG="${DJANGO_DEBUG:-false}"
# The names and addresses this machine answers to on the LAN, so colleagues can open http://<address>:8000/.
if [[ -z "${DJANGO_ALLOWED_HOSTS:-}" ]]; then
    lan="$(hostname -I 2>/dev/null | tr ' ' ',' | sed 's/,*$//')"
    DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1,[::1],$(hostname 2>/dev/null || true)${lan:+,$lan}"
    export DJANGO_ALLOWED_HOSTS
fi
