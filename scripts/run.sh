#!/usr/bin/env bash
# Run Zoufang on this machine: web + Celery worker + beat, with the demo data loaded.
#
#   ./scripts/run.sh            http://127.0.0.1:8000/accounts/login/   (PORT=8080 to move it)
#
# The web server listens on 127.0.0.1 only; HOST=0.0.0.0 (or another address) opens it to others.
# Needs no environment variables: SQLite in data/ and Celery's filesystem broker in data/celery/.
# DATABASE_URL / REDIS_URL, if set, are used instead. Ctrl-C stops all three processes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

. scripts/bootstrap.sh runtime

# This is a development run, so DEBUG is on; that is also what lets it use the repository's
# development key (with DEBUG off, settings insist on DJANGO_SECRET_KEY).
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"

python manage.py migrate --noinput
python manage.py collectstatic --noinput --verbosity 0
python manage.py seed_demo

port="${PORT:-8000}"
host="${HOST:-127.0.0.1}"
case "$host" in
    0.0.0.0 | :: | "[::]") url_host=127.0.0.1 ;;
    *:*) url_host="[${host#[}" && url_host="${url_host%]}]" ;;
    *) url_host="$host" ;;
esac
cat <<TABLE

  走访 Zoufang is starting: http://${url_host}:${port}/accounts/login/   (listening on ${host})

  演示账号 demo accounts (密码 password: zoufang-demo)
  ----------  ----------------------------------------
  账号        角色
  ----------  ----------------------------------------
  admin       系统管理员 system administrator (动态口令 TOTP)
  security    安全管理员 security administrator (动态口令 TOTP)
  auditor     审计管理员 audit administrator (动态口令 TOTP)
  leader      区领导 district leader
  office      第一个街道的活动办 office staff, 1st street
  cadre       第一个街道下某社区的走访干部 cadre
  cadre2      第二个街道下某社区的走访干部 cadre
  handler     职能部门办理人员 functional unit staff
  inspector   督导 inspector
  ----------  ----------------------------------------
  admin / security / auditor 登录须输入动态口令 (two factors): 在身份验证器中
  添加密钥 add this TOTP key (30 s, 6 digits, SHA-1, demo only):
      ZOUFANGDEMOTOTPSECRETAAAAAAAAAAA
  或 or: .venv/bin/python -c "import base64;from django_otp.oath import totp;print('%06d' % totp(base64.b32decode('ZOUFANGDEMOTOTPSECRETAAAAAAAAAAA')))"

TABLE

# The web process is listed first, so honcho hands it PORT=$port (the others get +100, +200).
# `-e /dev/null`: don't let honcho read a .env that migrate and seed_demo above did not see.
exec honcho -e /dev/null -f Procfile.dev start -p "$port"
