#!/bin/sh
# Seeds the fuzz corpus with every migration file of the repository, each behind the byte
# that picks its format (0 TOML, 1 YAML, 2 JSON), and with the kept regression inputs.
set -eu
cd "$(dirname "$0")"
corpus=corpus/parse_migration
mkdir -p "$corpus"
find ../examples ./seeds -type f \
    \( -name '*.toml' -o -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -print |
while read -r f; do
    case "$f" in
        *.toml) b='\000' ;; *.yaml|*.yml) b='\001' ;; *) b='\002' ;;
    esac
    out="$corpus/seed-$(echo "$f" | tr '/.' '__')"
    { printf "$b"; cat "$f"; } > "$out"
done
cp regressions/* "$corpus"/ 2>/dev/null || true
ls "$corpus" | wc -l
