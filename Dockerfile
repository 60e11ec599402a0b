# hvosim conformance in a container: Node 20, QEMU, busybox and cpio, and hvosim itself. The kernel
# generations' Debian packages are not baked in: `hvosim conformance` fetches the one it boots at run time
# (apt-get through a private configuration under --work; nothing in /etc/apt changes), once per --work folder.
#
#   docker build -t hvosim .
#   docker run --rm -v "$PWD/results:/results" hvosim conformance --cases 200 --seed 1 --kernel 7.3 \
#     --shard 0/4 --out /results/shard-0
#   docker run --rm -v "$PWD/results:/results" hvosim conformance merge /results/shard-0 /results/shard-1 ...
#
# QEMU runs without KVM (no device to pass in, no privileges). WITH_WALKER=1 adds gcc and a static libc for
# --walk-vmemmap (otherwise it installs them with apt-get when first asked).
FROM node:20-bookworm-slim

ARG WITH_WALKER=0
RUN apt-get update \
 && apt-get install -y --no-install-recommends qemu-system-x86 busybox-static cpio ca-certificates \
 && if [ "$WITH_WALKER" = 1 ]; then apt-get install -y --no-install-recommends gcc libc6-dev; fi \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/hvosim
COPY package.json package-lock.json ./
# The build runs after the sources are in (npm ci's prepare script would build before they are).
RUN npm ci --ignore-scripts
COPY . .
# The CLI is one bundle (dist/cli); only its runtime dependency stays.
RUN npm run build:cli \
 && npm prune --omit=dev \
 && ln -s /opt/hvosim/bin/hvosim.js /usr/local/bin/hvosim \
 && hvosim --version

ENTRYPOINT ["hvosim"]
CMD ["--help"]
