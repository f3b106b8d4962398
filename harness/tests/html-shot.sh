#!/bin/sh
# html-shot.sh FILE.html OUT.png - render a page in headless Chromium, save a
# screenshot, and fail when the page came out blank.
#
#   exit 0  OUT.png written and it has more than one colour
#   exit 1  OUT.png written but blank (a single colour: nothing rendered)
#   exit 2  usage error, or Chromium or ImageMagick missing or failing
#
# The page is loaded from file:// with networking cut off (every host name
# resolves to nothing), so a page that needs the network shows it.  Needs
# Debian's chromium and imagemagick (ci/install-deps.sh installs them).  Environment: CHROMIUM (the browser,
# default: chromium, chromium-browser or google-chrome from PATH),
# HTML_SHOT_SIZE (window WIDTH,HEIGHT; default 1280,2000), HTML_SHOT_TIMEOUT
# (seconds, default 90).
set -eu

me=html-shot.sh
if [ $# -ne 2 ]; then
	echo "usage: $me FILE.html OUT.png" >&2
	exit 2
fi
in=$1
out=$2
if [ ! -f "$in" ] || [ ! -r "$in" ]; then
	echo "$me: $in: no such readable file" >&2
	exit 2
fi

browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
	for b in chromium chromium-browser google-chrome; do
		if command -v "$b" >/dev/null 2>&1; then
			browser=$b
			break
		fi
	done
fi
if [ -z "$browser" ]; then
	echo "$me: no Chromium found (apt-get install chromium, or set CHROMIUM)" >&2
	exit 2
fi
if ! command -v identify >/dev/null 2>&1; then
	echo "$me: ImageMagick's identify is missing (apt-get install imagemagick)" >&2
	exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

case $in in
/*) abs=$in ;;
*) abs=$(pwd)/$in ;;
esac
case $out in
/*) out_abs=$out ;;
*) out_abs=$(pwd)/$out ;;
esac
# A file URL needs percent-encoding beyond these characters; rather than
# encode, load a copy with a plain name (a page with relative links then
# loses them: keep such pages under plain names).
case $abs in
*[!A-Za-z0-9/._+-]*)
	cp "$abs" "$tmp/page.html"
	abs=$tmp/page.html
	;;
esac

# Chromium refuses to run as root with its sandbox.
nosandbox=
[ "$(id -u)" -eq 0 ] && nosandbox=--no-sandbox

rm -f "$out_abs"
if ! timeout "${HTML_SHOT_TIMEOUT:-90}" "$browser" --headless $nosandbox --disable-gpu \
	--no-first-run --no-default-browser-check --disable-extensions --disable-sync \
	--disable-background-networking --host-resolver-rules="MAP * ~NOTFOUND" \
	--user-data-dir="$tmp/profile" --hide-scrollbars --virtual-time-budget=5000 \
	--window-size="${HTML_SHOT_SIZE:-1280,2000}" --screenshot="$out_abs" "file://$abs" \
	>"$tmp/chromium.log" 2>&1; then
	echo "$me: $browser failed on $in:" >&2
	tail -n 20 "$tmp/chromium.log" >&2
	exit 2
fi
if [ ! -s "$out_abs" ]; then
	echo "$me: $browser wrote no screenshot for $in:" >&2
	tail -n 20 "$tmp/chromium.log" >&2
	exit 2
fi
if ! info=$(identify -format '%m %w %h %k' "$out_abs" 2>"$tmp/identify.log"); then
	echo "$me: $out: not an image ImageMagick can read:" >&2
	cat "$tmp/identify.log" >&2
	exit 2
fi
set -- $info
echo "$me: $out: $1 ${2}x$3, $4 colours"
if [ "$1" != PNG ]; then
	echo "$me: $out: $1, not PNG" >&2
	exit 2
fi
if [ "$4" -le 1 ]; then
	echo "$me: $out: blank (a single colour): $in rendered nothing" >&2
	exit 1
fi
exit 0
