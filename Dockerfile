# Build a static binary, then run it as a non-root user on an empty base.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/commpilot ./cmd/commpilot \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/commpilot /usr/local/bin/commpilot
COPY --from=build --chown=65532:65532 /out/data /data
ENV COMMPILOT_DB=/data/commpilot.db \
    COMMPILOT_HTTP_ADDR=0.0.0.0:8080
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/commpilot", "health"]
ENTRYPOINT ["/usr/local/bin/commpilot"]
CMD ["run"]
