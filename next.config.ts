import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The server's own packages run natively in Node rather than through the bundler.
  serverExternalPackages: ["postgres"],
  poweredByHeader: false,
  // API clients are programs on loopback or a LAN: gzip cost more CPU than it saved bytes
  // (measured by the benchmark). A reverse proxy in front can still compress for browsers.
  compress: false,
};

export default nextConfig;
