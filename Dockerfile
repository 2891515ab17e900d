# Build a static binary, then run it as a non-root user on an empty base.
#   docker build --build-arg VERSION="$(git describe --tags --always --dirty)" -t commpilot .
FROM golang:1.26 AS build
ARG VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The image's defaults are built in, not only set with ENV, so that an empty
# COMMPILOT_DB= or COMMPILOT_HTTP_ADDR= from an --env-file keeps them.
RUN CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X main.version=${VERSION} -X main.DefaultDBPath=/data/commpilot.db -X main.DefaultHTTPAddr=0.0.0.0:8080" \
    -o /out/commpilot ./cmd/commpilot \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/commpilot /usr/local/bin/commpilot
COPY --from=build --chown=65532:65532 /out/data /data
# The bot warns at start when its database is outside COMMPILOT_VOLUME.
ENV COMMPILOT_VOLUME=/data
VOLUME ["/data"]
WORKDIR /data
EXPOSE 8080
USER 65532:65532
# Liveness only: the process and its database. A Slack or Discord outage
# does not restart the container (see /readyz for that).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/commpilot", "health"]
ENTRYPOINT ["/usr/local/bin/commpilot"]
CMD ["run"]
