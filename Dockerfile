# One image with the five service executables; docker-compose and Kubernetes pick the one to run.
# Build: docker build -t strongbox:latest .

FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libnats-dev pkg-config libssl-dev libcurl4-openssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve first, so the dependency layer is cached while sources change.
COPY Package.swift ./
RUN mkdir -p Libraries Services Tools Tests && swift package resolve || true
COPY Libraries Libraries
COPY Services Services
COPY Tools Tools
COPY Tests Tests
# The executables, and next to them the resource bundles (the usage service's prices.json, the
# gateway's console).
RUN swift build -c release --static-swift-stdlib \
        --product gateway --product vault --product proxy --product content --product usage \
    && mkdir /out \
    && bin="$(swift build -c release --show-bin-path)" \
    && for service in gateway vault proxy content usage; do cp "$bin/$service" /out/; done \
    && cp -R "$bin"/*.resources /out/

# Swagger UI's files for /docs (not packaged by Debian; from PyPI, see scripts/swagger-ui.sh).
FROM python:3.11-slim-bookworm AS swagger-ui
COPY scripts/lib.sh scripts/swagger-ui.sh /src/scripts/
RUN SWAGGER_UI_DIR=/out/swagger-ui bash /src/scripts/swagger-ui.sh

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libnats3.4 ca-certificates curl tzdata libjs-chart.js \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin strongbox
COPY --from=build /out/ /app/
COPY --from=swagger-ui /out/swagger-ui/ /usr/share/strongbox/swagger-ui/
USER 10001:10001
ENV LOG_FORMAT=json SERVER_HOST=0.0.0.0 OPS_HOST=0.0.0.0 OPS_PORT=9090
# 5860: the gateway's API. 9090: every service's /healthz, /readyz and /metrics (OPS_PORT), which
# docker-compose.yml and the Kubernetes probes use.
EXPOSE 5860 9090
# The same check for every service: its process answers on the ops port.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${OPS_PORT}/healthz" >/dev/null || exit 1
CMD ["/app/gateway"]
