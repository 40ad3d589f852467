# make install PREFIX=/usr/local: the binary, the man page and completions.
# BIN=path installs an already built binary instead of building release.
PREFIX ?= /usr/local
DESTDIR ?=
BIN ?=

build:
	swift build -c release

check:
	swift test

install:
	@[ -n "$(BIN)" ] || swift build -c release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 "$${BIN:-$$(swift build -c release --show-bin-path)/jobctl}" $(DESTDIR)$(PREFIX)/bin/jobctl
	install -m 644 man/jobctl.1 $(DESTDIR)$(PREFIX)/share/man/man1/jobctl.1
	install -m 644 completions/jobctl.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/jobctl
	install -m 644 completions/_jobctl $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_jobctl
	install -m 644 completions/jobctl.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/jobctl.fish

.PHONY: build check install
