# authgent's container image. Two stages: a Debian 12 build stage that compiles the server
# (Release, without tests or benchmarks), and a runtime stage with only the shared libraries the
# binary links, running as an unprivileged user with SQLite under the /data volume.
#   docker build -t authgent .
#   docker run -p 8080:8080 -v authgent-data:/data authgent
# BASE_IMAGE lets the image build where no registry is reachable: any Debian 12 (bookworm) image,
# such as one made with debootstrap (tests/deploy/base-image does that).
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config \
      libboost1.81-dev libboost-url1.81-dev nlohmann-json3-dev libssl-dev libsodium-dev \
      libsqlite3-dev libpq-dev libcurl4-openssl-dev libkainjow-mustache-dev libspdlog-dev \
      libfmt-dev libcli11-dev libjemalloc-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt CMakePresets.json ./
COPY verify verify
COPY src src
COPY examples examples
COPY docs/snippets docs/snippets
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DAUTHGENT_BUILD_TESTS=OFF \
      -DAUTHGENT_BUILD_BENCH=OFF -DBoost_NO_WARN_NEW_VERSIONS=ON >/dev/null \
 && cmake --build build --target authgent \
 && strip build/src/server/authgent

FROM ${BASE_IMAGE}
# The runtime libraries of the binary (`ldd authgent`), CA certificates for an https upstream
# identity provider, and nothing else: no compiler, no -dev package, no apt lists or caches.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libboost-url1.81.0 libcurl4 libfmt9 libjemalloc2 libpq5 libsodium23 libspdlog1.10 \
      libsqlite3-0 libssl3 ca-certificates \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log \
      /usr/share/doc/* /usr/share/man/* \
 && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin authgent \
 && mkdir /data && chown authgent:authgent /data && chmod 0700 /data
COPY --from=build /src/build/src/server/authgent /usr/local/bin/authgent
# SQLite under /data by default (its key-encryption key file beside it, mode 0600); set
# DATABASE_URL=postgres://... and KEY_ENCRYPTION_KEY for PostgreSQL. Every variable of the README
# works as it does outside a container.
ENV DATABASE_URL=sqlite:///data/authgent.db \
    PORT=8080 \
    BIND_ADDRESS=0.0.0.0
VOLUME ["/data"]
WORKDIR /data
USER 10001:10001
EXPOSE 8080
# `authgent healthcheck` asks /readyz on loopback: no curl or shell in the probe.
HEALTHCHECK --interval=10s --timeout=6s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/authgent", "healthcheck"]
# authgent is PID 1 and handles SIGTERM itself: it stops accepting, lets in-flight requests finish
# within SHUTDOWN_TIMEOUT and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/authgent"]
CMD ["serve"]
