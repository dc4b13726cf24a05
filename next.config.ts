import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The server's own packages run natively in Node rather than through the bundler.
  serverExternalPackages: ["postgres"],
  poweredByHeader: false,
};

export default nextConfig;
