# magiclink — see README.md.
#   make run     install what is missing, then start the app (demo mode without Stytch credentials)
#   make test    install test dependencies, then lint, unit, fuzz, real-keyring, end-to-end (Linux, and Windows under Wine), official-SDK and package tests
#   make bench   start-up, memory and sign-in latency compared with an empty Fyne app

SHELL := /bin/sh
.DEFAULT_GOAL := run

# The patched Go toolchain, fetched through the Go module proxy on first use.
export GOTOOLCHAIN := go1.27.3
export LANG := C.UTF-8

GO        ?= go
APP_TAGS  := migrated_fynedo
TAGS      := ci,$(APP_TAGS)
PKG       := github.com/magiclink/magiclink
VERSION   ?= 1.0.0
PUBLIC_TOKEN ?=
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.publicToken=$(PUBLIC_TOKEN)
# One set of compile flags for every build of the app — make run, make build,
# make package and the binary the end-to-end test builds with a plain go build —
# so whichever runs first pays for compiling Fyne and its cgo GLFW part and the
# others only link. -trimpath changes every package's cache key, and the
# migrated_fynedo tag (what FyneApp.toml's [Migrations] fyneDo declares) every
# Fyne package's, so both go in GOFLAGS; a -tags on a command line replaces the
# one in GOFLAGS, so those below include $(APP_TAGS).
export GOFLAGS := $(strip $(GOFLAGS) -trimpath -tags=$(APP_TAGS))
APP_BUILD := -ldflags "$(LDFLAGS)"
RUN_ARGS  ?=
FUZZTIME  ?= 10s

STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK   := golang.org/x/vuln/cmd/govulncheck@v1.9.0
VULNDB_MOD    := golang.org/x/vulndb@v0.0.0-20261105234957-e22db6528018
VULNDB        := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/magiclink/vulndb-$(lastword $(subst @, ,$(VULNDB_MOD)))
FYNE_TOOL     := fyne.io/tools/cmd/fyne@v1.7.4
NFPM          := github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.48.0
WINRES        := github.com/tc-hib/go-winres@v0.3.3

# Fuzz targets, one bounded run each: package:Target.
FUZZ := ./auth:FuzzCallback ./auth:FuzzValidateEmail \
        ./auth/emulator:FuzzDecodeRequest ./auth/emulator:FuzzRedirect \
        ./auth/publicclient:FuzzDecodeResponse ./auth:FuzzDeepLink

.PHONY: run build emulator deps-run deps-test test lint fmt-check vet staticcheck vulncheck \
        unit fuzz e2e sdkjs sdkjs-deps bench package package-test windows deps-windows e2e-windows clean

## run: start the app (demo mode when no Stytch credentials are configured); RUN_ARGS='--redirect-url …' passes flags
run: deps-run
	$(GO) run $(APP_BUILD) ./cmd/magiclink $(RUN_ARGS)

## build: build bin/magiclink and bin/stytch-emulator (PUBLIC_TOKEN=public-token-… builds a release that needs no configuration)
build: deps-run
	$(GO) build $(APP_BUILD) -o bin/magiclink ./cmd/magiclink
	CGO_ENABLED=0 $(GO) build -ldflags "-s -w" -o bin/stytch-emulator ./cmd/stytch-emulator

## emulator: run the standalone Stytch emulator for testers
emulator:
	CGO_ENABLED=0 $(GO) run ./cmd/stytch-emulator $(RUN_ARGS)

deps-run:
	@scripts/install-deps.sh run

deps-test:
	@scripts/install-deps.sh test

deps-windows:
	@scripts/install-deps.sh windows

## test: everything CI runs
test: deps-test lint unit fuzz e2e e2e-windows sdkjs package-test

lint: fmt-check vet staticcheck vulncheck

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet -tags $(TAGS) ./...
	$(GO) vet -tags e2e,$(APP_TAGS) ./cmd/magiclink
	$(GO) vet -tags sdkjs ./auth/emulator
	@# The Windows and macOS code paths, as far as they build without cgo
	@# (the app itself is cross-built for Windows by make windows; macOS
	@# needs Apple's SDK).
	GOOS=windows CGO_ENABLED=0 $(GO) vet -tags $(TAGS) ./auth/... ./ui/... ./cmd/stytch-emulator
	GOOS=darwin CGO_ENABLED=0 $(GO) vet -tags $(TAGS) ./auth/... ./cmd/stytch-emulator

# Built once, so it can be run for other systems (GOOS applies to what it
# checks, where go run would build it for them).
STATICCHECK_BIN := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/magiclink/bin/staticcheck-$(lastword $(subst @, ,$(STATICCHECK)))

$(STATICCHECK_BIN):
	GOBIN=$(dir $@)tmp $(GO) install $(STATICCHECK)
	mv $(dir $@)tmp/staticcheck $@ && rmdir $(dir $@)tmp

staticcheck: $(STATICCHECK_BIN)
	$(STATICCHECK_BIN) -tags $(TAGS) ./...
	GOOS=windows CGO_ENABLED=0 $(STATICCHECK_BIN) -tags $(TAGS) ./auth/... ./ui/... ./cmd/stytch-emulator
	GOOS=darwin CGO_ENABLED=0 $(STATICCHECK_BIN) -tags $(TAGS) ./auth/... ./cmd/stytch-emulator

$(VULNDB)/index/db.json:
	$(GO) mod download $(VULNDB_MOD)
	rm -rf $(VULNDB).tmp && mkdir -p $(VULNDB).tmp
	$(GO) run golang.org/x/vulndb/cmd/indexdb@$(lastword $(subst @, ,$(VULNDB_MOD))) \
		-vulns $$($(GO) env GOMODCACHE)/$(VULNDB_MOD)/data/osv -out $(VULNDB).tmp
	rm -rf $(VULNDB) && mv $(VULNDB).tmp $(VULNDB)

## vulncheck: govulncheck against a pinned copy of the Go vulnerability database
vulncheck: $(VULNDB)/index/db.json
	$(GO) run $(GOVULNCHECK) -db file://$(VULNDB) ./...

## unit: all unit tests with the race detector, the real-keyring ones on a private D-Bus session
unit:
	dbus-run-session -- scripts/with-keyring.sh $(GO) test -race -count=1 -tags $(TAGS) ./...

## fuzz: bounded fuzz runs
fuzz:
	@set -e; for f in $(FUZZ); do \
		pkg=$${f%%:*}; target=$${f##*:}; \
		echo "fuzz $$pkg $$target ($(FUZZTIME))"; \
		$(GO) test -run='^$$' -fuzz="^$$target$$" -fuzztime=$(FUZZTIME) $$pkg; \
	done

## e2e: the real app under Xvfb with a real keyring and headless Chromium
e2e:
	$(GO) test -tags e2e,$(APP_TAGS) -count=1 -timeout 15m -run '^TestE2E' -v ./cmd/magiclink

## sdkjs: Stytch's official browser SDK (@stytch/vanilla-js, under Node and jsdom) against the emulator over TLS
sdkjs: sdkjs-deps
	$(GO) test -tags sdkjs -count=1 -run TestOfficialBrowserSDK ./auth/emulator

SDKJS_DIR := auth/emulator/testdata/sdkjs

## sdkjs-deps: the npm packages of the sdkjs test, exactly as package-lock.json pins them
sdkjs-deps: $(SDKJS_DIR)/node_modules/.package-lock.json

# npm ci writes node_modules/.package-lock.json; a lock file newer than it means node_modules is stale.
$(SDKJS_DIR)/node_modules/.package-lock.json: $(SDKJS_DIR)/package-lock.json $(SDKJS_DIR)/package.json
	cd $(SDKJS_DIR) && npm ci --no-audit --no-fund
	@touch $@

## bench: performance comparison with an empty Fyne window (not part of test)
bench: deps-test
	$(GO) run ./cmd/magiclink-bench $(BENCH_ARGS)

## package: Linux packages: dist/*.deb and dist/*.rpm (nfpm) and cmd/magiclink/Magiclink.tar.xz (fyne), all of bin/magiclink; PUBLIC_TOKEN=… builds the token in
# The fyne tool packages the binary make build made (--executable), so no third
# build; it bumps Build in FyneApp.toml after packaging, so keep the file as committed.
package: build
	VERSION=$(VERSION) GO=$(GO) NFPM=$(NFPM) scripts/package/build.sh
	cp FyneApp.toml FyneApp.toml.orig
	cd cmd/magiclink && $(GO) run $(FYNE_TOOL) package --os linux --release --app-version $(VERSION) \
		--executable ../../bin/magiclink; \
		status=$$?; cd ../.. && mv FyneApp.toml.orig FyneApp.toml && exit $$status
	@ls -l dist/*.deb dist/*.rpm cmd/magiclink/*.tar.xz

## package-test: install the .deb into a clean Debian root (debootstrap, cached) in a private mount namespace, run it, purge it
package-test: package
	VERSION=$(VERSION) scripts/package/test.sh

## windows: dist/windows/magiclink.exe, dist/magiclink-$(VERSION)-windows-amd64.zip and …-setup.exe, cross-built with mingw-w64 (PUBLIC_TOKEN=… builds the token in)
windows: deps-windows
	GO=$(GO) VERSION=$(VERSION) LDFLAGS="$(LDFLAGS)" WINRES=$(WINRES) scripts/windows/build.sh

## e2e-windows: under Wine on Xvfb: the installer, Windows unit tests, then magiclink.exe: window, typed email, link, Credential Manager, relaunch, second launch, deep link, --reset
e2e-windows: windows
	MAGICLINK_WINDOWS_EXE=$(CURDIR)/dist/windows/magiclink.exe \
	MAGICLINK_WINDOWS_SETUP=$(CURDIR)/dist/magiclink-$(VERSION)-windows-amd64-setup.exe \
		$(GO) test -tags e2e,$(APP_TAGS) -count=1 -timeout 10m -run '^TestWindows' -v ./cmd/magiclink

clean:
	rm -rf bin dist test-output cmd/magiclink/*.tar.xz
