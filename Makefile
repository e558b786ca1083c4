# Strongbox: a self-hosted credential store and AI gateway.
# The two commands a newcomer needs: `make run` and `make test`.

SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help run stop test dev install db-up nats-up build migrate seed bench soak translation-matrix console-screenshots lint lint-deploy format clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

run: ## Install what is missing, start NATS + PostgreSQL under .data/, build, start the five services
	@scripts/run.sh

stop: ## Stop what `make run` started
	@scripts/stop.sh

test: ## Build and run every test (starts its own NATS and PostgreSQL on free ports)
	@scripts/test.sh

dev: run ## `make run`, then follow the services' logs (Ctrl-C stops following, not the services)
	@tail -n 20 -F .data/logs/{gateway,vault,proxy,content,usage}.log

install: ## Install the Debian packages the project needs (nats-server, libnats-dev, postgresql, ...)
	@scripts/install-deps.sh

db-up: install ## Start the local PostgreSQL under .data/postgres
	@scripts/env.sh && scripts/postgres.sh start

nats-up: install ## Start the local nats-server under .data/nats
	@scripts/env.sh && scripts/nats.sh start

build: ## Build the services (CONFIG=release for an optimised build)
	@scripts/build.sh

migrate: db-up build ## Apply every service's database migrations and exit
	@scripts/migrate.sh

seed: ## Create a development tenant and store provider keys from OPENAI_API_KEY etc. (cluster running)
	@scripts/seed.sh

bench: install ## Run the benchmarks (release build) and print their tables
	@scripts/bench.sh

soak: install ## A mixed load for SOAK_MINUTES (default 10) on a release cluster: memory, descriptors, p99 (not in CI)
	@scripts/soak.sh

translation-matrix: ## Rewrite docs/translation.md's conformance matrix from the translation tests
	@swift build --build-tests >/dev/null 2>&1 && STRONGBOX_WRITE_MATRIX=1 swift test --skip-build --filter "ConformanceMatrixTests/documentIsCurrent" >/dev/null 2>&1 && echo "docs/translation.md: matrix rewritten"

console-screenshots: ## Rewrite docs/console/*.png by running the console's browser test
	@STRONGBOX_SCREENSHOTS="$(CURDIR)/docs/console" TEST_FILTER="ConsoleTests/browser" scripts/test.sh

lint: ## Fail if `swift format` would change anything
	@swift format lint --strict --recursive Package.swift Libraries Services Tests Tools

lint-deploy: ## Validate deploy/ (Kubernetes manifests, NATS users) and docker-compose.yml
	@scripts/lint-deploy.sh

format: ## Format the sources in place
	@swift format --in-place --recursive Package.swift Libraries Services Tests Tools

clean: stop ## Stop everything and delete .data/ (local databases, logs) and the build
	@rm -rf .data .build
