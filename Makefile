# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
#
# make test   installs everything the tests need (Debian packages, virtual
#             environments) and runs every test suite of the collection.
# make demo   runs a whole DNSimple-style KSK rotation on the built-in lab.
#
# Everything these targets create lives outside the working tree, under
# ~/.cache/dnsops-dnssec/<checkout>, so a second run reuses what the first
# installed.  (ansible-test skips every file of a copy that git ignores, so the
# copy of the collection cannot live inside the checkout.)

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
.DEFAULT_GOAL := help

ROOT := $(CURDIR)
BUILD ?= $(HOME)/.cache/dnsops-dnssec/$(notdir $(ROOT))-$(shell printf %s "$(ROOT)" | md5sum | cut -c1-8)
COLLECTIONS := $(BUILD)/collections
COLLECTION := $(COLLECTIONS)/ansible_collections/dnsops/dnssec
INSTALLED := $(BUILD)/installed
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)

# Oldest supported line on the default Python, newest release on Python 3.12.
PYTHON_OLD := $(shell python3.11 -c 'import sys; print(sys.executable)' 2>/dev/null || command -v python3)
PYTHON_NEW := $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12 /usr/local/bin/python3.12))
VENV_OLD := $(BUILD)/venv-core-2.19
VENV_NEW := $(BUILD)/venv-core-newest
CORE_OLD := ansible-core>=2.19,<2.20

# The lab used by ansible-test integration and the pytest suites.
DEBIAN_PACKAGES := knot knot-dnsutils unbound
INTEGRATION_LAB_NET := 1

# Seconds since TEST_START, as a prefix for stage headings.
ELAPSED := test -n "$$TEST_START" && echo "[$$(( $$(date +%s) - TEST_START )) s] "

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help test demo deps debian-packages venvs collection sanity units \
	integration lint build importer molecule pytest clean

help:
	@echo "make test   install what the tests need and run every test"
	@echo "make demo   run a full KSK rotation on the built-in DNS lab"
	@echo "make clean  remove $(BUILD)"

# Each stage's heading shows the seconds since `make test` started.
test: export TEST_START := $(shell date +%s)
test: deps collection
	@$(MAKE) --no-print-directory sanity units lint build importer integration molecule pytest

deps: debian-packages venvs

# Installing the packages must not leave their system services holding the lab's
# port 53: policy-rc.d refuses every service start during the install.
debian-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "== installing Debian packages:$$missing"; \
	  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; \
	  trap 'rm -f /usr/sbin/policy-rc.d' EXIT; \
	  apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

venvs: $(VENV_OLD)/.done $(VENV_NEW)/.done

$(VENV_OLD)/.done: requirements.txt tests/requirements.txt tests/unit/requirements.txt
	@echo "== $$($(ELAPSED))virtual environment: $(CORE_OLD) on $(PYTHON_OLD)"
	@$(PYTHON_OLD) -m venv $(VENV_OLD)
	@$(VENV_OLD)/bin/pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
	@$(VENV_OLD)/bin/pip install -q '$(CORE_OLD)' -r requirements.txt -r tests/requirements.txt 2>&1 | grep -v '^WARNING: Location' || true
	@$(VENV_OLD)/bin/python -c 'import ansible, dns, requests, boto3, pytest' && touch $@

$(VENV_NEW)/.done: requirements.txt tests/unit/requirements.txt
	@if [ -z "$(PYTHON_NEW)" ]; then \
	  echo "== no Python 3.12 on this machine: the newest ansible-core is not tested"; \
	else \
	  echo "== virtual environment: newest ansible-core on $(PYTHON_NEW)"; \
	  $(PYTHON_NEW) -m venv $(VENV_NEW); \
	  $(VENV_NEW)/bin/pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true; \
	  $(VENV_NEW)/bin/pip install -q ansible-core -r requirements.txt -r tests/unit/requirements.txt 2>&1 | grep -v '^WARNING: Location' || true; \
	  $(VENV_NEW)/bin/python -c 'import ansible, dns, requests' && touch $@; \
	fi

# ansible-test wants the collection at .../ansible_collections/dnsops/dnssec, as a
# copy; git's view of the tree decides what is copied.
collection:
	@rm -rf $(COLLECTION) && mkdir -p $(COLLECTION)
	@git ls-files -z --cached --others --exclude-standard \
	  | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C $(COLLECTION)
	@echo "== $$($(ELAPSED))collection copied to $(COLLECTION)"
	@# Tests find DNSimple's published fixtures and Name.com's API description
	@# in ../shared beside the checkout when it exists; the copy sees them there too.
	@if [ -d $(ROOT)/../shared ]; then \
	  ln -sfn $(abspath $(ROOT)/../shared) $(COLLECTIONS)/ansible_collections/dnsops/shared; \
	  echo "== ../shared found: conformance tests run against it"; fi

# ansible-test fetches a pip bootstrap script from a host that may be out of
# reach; when the download fails, a stand-in that uses ensurepip takes its place.
define get_pip
	@version=$$(sed -n "s/^ *pip='\([0-9.]*\)',*$$/\1/p" \
	  $$($(1)/bin/python -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')/_internal/python_requirements.py); \
	cache=$(HOME)/.ansible/test/cache/get_pip_$${version//./_}.py; \
	if [ -n "$$version" ] && [ ! -s $$cache ]; then \
	  mkdir -p $$(dirname $$cache); \
	  curl -fsS --max-time 15 -o $$cache.download https://ci-files.testing.ansible.com/ansible-test/get-pip-$$version.py \
	    && mv $$cache.download $$cache \
	    || { rm -f $$cache.download; cp tests/utils/get_pip_standin.py $$cache; \
	         echo "== pip bootstrap script unreachable: using the ensurepip stand-in"; }; \
	fi
endef

sanity:
	$(call get_pip,$(VENV_OLD))
	@echo "== $$($(ELAPSED))ansible-test sanity, ansible-core 2.19, Python 3.11"
	@cd $(COLLECTION) && $(VENV_OLD)/bin/ansible-test sanity --venv --requirements --python 3.11 --color no 2>&1 \
	  | grep -v -e '^WARNING: Location' -e '^Requirement already' -e '^Collecting' -e '^ *Downloading' -e '━' -e '^Looking in' -e '^Installing collected' -e '^Successfully installed'
	@if [ -f $(VENV_NEW)/.done ]; then \
	  $(MAKE) --no-print-directory sanity-new; fi

sanity-new:
	$(call get_pip,$(VENV_NEW))
	@echo "== $$($(ELAPSED))ansible-test sanity, newest ansible-core, Python 3.12"
	@cd $(COLLECTION) && PATH=$(dir $(PYTHON_NEW)):$$PATH $(VENV_NEW)/bin/ansible-test sanity --venv --requirements --python 3.12 --color no 2>&1 \
	  | grep -v -e '^WARNING: Location' -e '^Requirement already' -e '^Collecting' -e '^ *Downloading' -e '━' -e '^Looking in' -e '^Installing collected' -e '^Successfully installed'

units:
	@echo "== $$($(ELAPSED))ansible-test units, ansible-core 2.19, Python 3.11"
	@cd $(COLLECTION) && $(VENV_OLD)/bin/ansible-test units --local --python 3.11 --color no 2>&1 | grep -v -e "^WARNING: Location" -e "^Requirement already" -e "^Collecting" -e "^ *Downloading" -e "━" -e "^Looking in"
	@if [ -f $(VENV_NEW)/.done ]; then \
	  echo "== ansible-test units, newest ansible-core, Python 3.12"; \
	  cd $(COLLECTION) && PATH=$(dir $(PYTHON_NEW)):$$PATH $(VENV_NEW)/bin/ansible-test units --local --python 3.12 --color no 2>&1 | grep -v -e "^WARNING: Location" -e "^Requirement already" -e "^Collecting" -e "^ *Downloading" -e "━" -e "^Looking in"; fi

lint:
	@echo "== $$($(ELAPSED))antsibull-changelog lint"
	@cd $(COLLECTION) && $(VENV_OLD)/bin/antsibull-changelog lint
	@echo "== $$($(ELAPSED))ansible-lint --profile production"
	@cd $(COLLECTION) && PATH=$(VENV_OLD)/bin:$$PATH ansible-lint --profile production --offline -q
	@cd $(COLLECTION) && $(VENV_OLD)/bin/ansible-playbook --syntax-check extensions/awx/project/rotate.yml >/dev/null

build:
	@echo "== $$($(ELAPSED))ansible-galaxy collection build and install"
	@rm -rf $(BUILD)/dist $(INSTALLED) && mkdir -p $(BUILD)/dist
	@cd $(COLLECTION) && $(VENV_OLD)/bin/ansible-galaxy collection build --output-path $(BUILD)/dist --force
	@ANSIBLE_COLLECTIONS_PATH=$(INSTALLED) $(VENV_OLD)/bin/ansible-galaxy collection install --offline --force \
	  -p $(INSTALLED) $(BUILD)/dist/dnsops-dnssec-$(VERSION).tar.gz
	@test -f $(INSTALLED)/ansible_collections/dnsops/dnssec/MANIFEST.json
	@ANSIBLE_COLLECTIONS_PATH=$(INSTALLED) $(VENV_OLD)/bin/ansible-doc -l dnsops.dnssec

importer:
	@echo "== $$($(ELAPSED))galaxy-importer"
	@printf '[galaxy-importer]\nRUN_ANSIBLE_TEST = False\nRUN_ANSIBLE_LINT = True\nCHECK_REQUIRED_TAGS = True\n' > $(BUILD)/galaxy-importer.cfg
	@cd $(BUILD) && GALAXY_IMPORTER_CONFIG=$(BUILD)/galaxy-importer.cfg PATH=$(VENV_OLD)/bin:$$PATH \
	  $(VENV_OLD)/bin/python -m galaxy_importer.main dist/dnsops-dnssec-$(VERSION).tar.gz > $(BUILD)/importer.log 2>&1 \
	  || { cat $(BUILD)/importer.log; exit 1; }
	@if grep -E 'ERROR|CRITICAL' $(BUILD)/importer.log; then exit 1; fi
	@(grep -c 'WARNING' $(BUILD)/importer.log || true) | xargs -I{} echo "   galaxy-importer: no error, {} warning line(s) (log: $(BUILD)/importer.log)"

# The integration targets share one lab (network 1), started here and always
# stopped, whatever the outcome.  The Molecule scenario starts a lab of its own.
integration:
	@echo "== $$($(ELAPSED))ansible-test integration (lab network $(INTEGRATION_LAB_NET), with API simulators)"
	@cd $(COLLECTION) && labctl="$(VENV_OLD)/bin/python tests/lab/labctl.py --net $(INTEGRATION_LAB_NET)"; \
	$$labctl start --children 3 --simulators; \
	trap "$$labctl stop" EXIT; \
	$$labctl ansible-vars > tests/integration/integration_config.yml; \
	PATH=$(VENV_OLD)/bin:$$PATH ansible-test integration --local --python 3.11 --color no

molecule:
	@echo "== $$($(ELAPSED))molecule test --all"
	@cd $(COLLECTION)/extensions && PATH=$(VENV_OLD)/bin:$$PATH molecule test --all

pytest:
	@echo "== $$($(ELAPSED))pytest: the lab and the functional suites (two workers, one lab per test module)"
	@cd $(COLLECTION) && PYTHONPATH=$(COLLECTIONS) $(VENV_OLD)/bin/python -m pytest -p no:cacheprovider -n 2 --dist loadfile --no-loadscope-reorder --durations=15 tests/lab tests/functional

demo: deps collection
	@cd $(COLLECTION) && PATH=$(VENV_OLD)/bin:$$PATH PYTHONPATH=$(COLLECTIONS) python tests/lab/demo.py

clean:
	rm -rf $(BUILD)
