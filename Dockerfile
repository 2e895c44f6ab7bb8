# syntax=docker/dockerfile:1
# rehydrate in a container, for pipelines without Node or Bun: the standalone binary built
# from this checkout with the pinned Bun, shipped alone on distroless (glibc, no shell, runs
# as the nonroot user).
#
#   docker build -t rehydrate .
#   docker run --rm -v "$PWD:/work" -e AWS_REGION -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY \
#     rehydrate run pipeline.yaml --dry-run
#
# test/dist/dockerfile.test.ts lints this file and runs the build stage's steps as shell, so
# a change here that breaks the build fails the test suite even where no Docker engine runs.

ARG BUN_VERSION=1.4.5

FROM oven/bun:${BUN_VERSION}-debian AS build
WORKDIR /src
# Dependencies first, so the layer is reused until the lockfile changes. Runtime ones only:
# the compiled binary bundles them; dev tools (TypeScript, Biome, test databases) stay out.
COPY package.json bun.lock bunfig.toml ./
RUN bun install --frozen-lockfile --production
COPY . .
# Empty: the version of package.json. A release passes --build-arg REHYDRATE_VERSION=1.2.3.
ARG REHYDRATE_VERSION=""
RUN bun scripts/build.ts --single --no-archive --outdir out ${REHYDRATE_VERSION:+--version "$REHYDRATE_VERSION"} && \
    cp out/linux-*/rehydrate rehydrate-bin && \
    ./rehydrate-bin --version

# base, not static: the binary links glibc (libc, libm, libpthread, libdl); TLS uses Bun's
# bundled root certificates, so no CA package is needed.
FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build /src/rehydrate-bin /usr/local/bin/rehydrate
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/rehydrate"]
CMD ["--help"]
