# Nix flake: `nix develop` (the build and test tools) and `nix build`
# (skred built with CMake). Not built on skred's CI: nixpkgs cannot be
# fetched there; a test only parses this file (nix-instantiate --parse).
{
  description = "skred: a streaming pipeline for Norway's avalanche warnings";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAll = f: nixpkgs.lib.genAttrs systems
        (system: f nixpkgs.legacyPackages.${system});
      # what src/ links (CMakeLists.txt's pkg_check_modules)
      libs = pkgs: with pkgs; [
        curl jansson sqlite zstd rdkafka openssl libmicrohttpd postgresql.lib avro-c
      ];
    in {
      packages = forAll (pkgs: {
        default = pkgs.stdenv.mkDerivation {
          pname = "skred";
          version = "0.1.0";
          src = self;
          nativeBuildInputs = with pkgs; [ cmake pkg-config ];
          buildInputs = libs pkgs ++ [ pkgs.postgresql ];
          cmakeFlags = [ "-DCMAKE_BUILD_TYPE=RelWithDebInfo" ];
          # the suite needs servers and a browser: `make check` in the dev shell
          doCheck = false;
          installPhase = ''
            runHook preInstall
            install -Dm755 skred $out/bin/skred
            install -Dm755 varsom-sim $out/bin/varsom-sim
            runHook postInstall
          '';
          meta = {
            description = "Norwegian avalanche warnings: fetch, bus, process, store, schedule, serve";
            mainProgram = "skred";
            platforms = pkgs.lib.platforms.linux;
          };
        };
      });

      devShells = forAll (pkgs: {
        default = pkgs.mkShell {
          inputsFrom = [ self.packages.${pkgs.system}.default ];
          packages = with pkgs; [
            # build and lint
            gnumake cmake pkg-config gcc clang clang-tools shellcheck
            # tests: SQLite shell, Kafka/Cassandra/PostgreSQL test servers
            # (scripts/*.sh resolve their jars with Maven), the browser test
            sqlite kcat jdk17_headless maven postgresql python3
            python3Packages.zstandard nodejs chromium wrk
            # containers (scripts/containers.sh) and this file
            podman buildah debootstrap
          ];
        };
      });
    };
}
