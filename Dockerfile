# syntax=docker/dockerfile:1
# scimd in a container: the same single executable as `npm run build`, on a distroless base, as non-root.
#   docker build -t scimd .
#   docker run -d -p 8080:8080 -v scimd-data:/data scimd
#   docker exec <container> scimd token create --name entra
# Configuration: mount a TOML file at /etc/scimd/scimd.toml (read because it is the working directory's
# scimd.toml), or set SCIMD_<SECTION>_<KEY> variables, e.g. -e SCIMD_PROVISIONING_DEFAULT_GROUP=Staff.

# ---- build: npm ci, then the project's own build (bun from devDependencies) ----
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json bunfig.toml ./
COPY scripts ./scripts
COPY drizzle ./drizzle
COPY src ./src
RUN npm run build && ./dist/scimd version
# The volume's mount point, owned by the distroless "nonroot" user (65532) so a fresh volume is writable.
RUN mkdir -p /out/data && chown 65532:65532 /out/data

# ---- run: only the binary ----
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/dist/scimd /usr/local/bin/scimd
COPY --from=build --chown=65532:65532 /out/data /data
USER nonroot:nonroot
WORKDIR /etc/scimd
# The database lives in the volume. A variable beats the configuration file, so this one is the only key the
# image sets (scimd's defaults are already 0.0.0.0:8080): a mounted file's port or host applies, and serve
# logs a warning if the file's [storage] path is replaced by it (set -e SCIMD_STORAGE_PATH=… to move it).
ENV SCIMD_STORAGE_PATH=/data/scimd.db
VOLUME /data
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/scimd", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/scimd"]
CMD ["serve"]
