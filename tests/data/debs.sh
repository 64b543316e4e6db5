# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Debian packages into deterministic layers, for the scripts that build
# images from them (tests/data/mkimages.sh, bench/mkbig.sh); sourced. They
# set CACHE (the .deb cache folder) and EPOCH (every file's mtime) first.

deb_for() { # the cached .deb of package $1 (downloading it once)
	local f
	f=$(ls "$CACHE/$1"_*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$f" ]; then
		(cd "$CACHE" && apt-get download -q "$1" >/dev/null 2>&1) ||
			{ echo "${0##*/}: apt-get download $1 failed" >&2; exit 1; }
		f=$(ls "$CACHE/$1"_*.deb | head -n1)
	fi
	echo "$f"
}

extract() { # extract package $1 into folder $2, without docs
	local deb
	deb=$(deb_for "$1") # stops here (set -e) when the download failed
	dpkg-deb -x "$deb" "$2"
	rm -rf "$2"/usr/share/doc "$2"/usr/share/man "$2"/usr/share/info \
		"$2"/usr/share/lintian "$2"/usr/share/locale
}

mktar() { # deterministic tar of folder $1 into file $2
	tar --sort=name --mtime=@"$EPOCH" --owner=0 --group=0 --numeric-owner \
		--format=gnu -C "$1" -cf "$2" .
}
