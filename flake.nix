{
  description = "nfai: offline assistant that explains failing Nix builds, proposes validated fixes and reviews repos for a Nix-first policy";

  # Pinned by flake.lock (rev 391b592eb44808b3bd0cb80bb71b63a5a118b8bb); `nix flake update` moves it.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;

      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});

      cargoToml = builtins.fromTOML (builtins.readFile ./Cargo.toml);

      # Only what the build and the test-suite need: no target/, result links or editor files.
      src = lib.fileset.toSource {
        root = ./.;
        fileset = lib.fileset.unions [
          ./Cargo.toml
          ./Cargo.lock
          ./src
          # the model's instructions, compiled in
          ./prompts
          (lib.fileset.maybeMissing ./tests)
          (lib.fileset.maybeMissing ./benches)
          (lib.fileset.maybeMissing ./fixtures)
          # read by the tests of the CI recipes, the hooks and this flake
          (lib.fileset.maybeMissing ./docs)
          ./.pre-commit-hooks.yaml
          ./flake.nix
        ];
      };

      mkNfai =
        pkgs:
        let
          # Completions and man pages come from the built binary, so it must run here.
          canRun = pkgs.stdenv.buildPlatform.canExecute pkgs.stdenv.hostPlatform;
        in
        pkgs.rustPlatform.buildRustPackage {
          pname = cargoToml.package.name;
          inherit (cargoToml.package) version;
          inherit src;

          cargoLock.lockFile = ./Cargo.lock;

          nativeBuildInputs = [ pkgs.installShellFiles ];
          # review's git rules and the commit tests drive a real git
          nativeCheckInputs = [ pkgs.git ];
          # from the clap definitions: `nfai completions SHELL`, `nfai man`
          postInstall = lib.optionalString canRun ''
            installShellCompletion --cmd nfai \
              --bash <($out/bin/nfai completions bash) \
              --zsh <($out/bin/nfai completions zsh) \
              --fish <($out/bin/nfai completions fish)
            $out/bin/nfai man --out-dir man
            installManPage man/*.1
          '';

          # checkPhase runs the unit tests. The integration tests drive a real Nix, git, a
          # shell and loopback HTTP servers, which the build sandbox does not have: CI runs
          # them (`cargo test`, see README.md).
          doCheck = true;
          cargoTestFlags = [ "--lib" ];
          env.INSTA_UPDATE = "no";

          meta = {
            inherit (cargoToml.package) description;
            license = lib.licenses.mit;
            mainProgram = "nfai";
            platforms = lib.platforms.unix;
          };
        };
    in
    {
      packages = forAllSystems (pkgs: rec {
        nfai = mkNfai pkgs;
        default = nfai;
      });

      overlays.default = final: _prev: { nfai = mkNfai final; };

      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = lib.getExe self.packages.${pkgs.stdenv.hostPlatform.system}.default;
        };
      });

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages =
            with pkgs;
            [
              cargo
              rustc
              clippy
              rustfmt
              rust-analyzer
              nix
              git
              hyperfine
            ]
            ++ lib.optionals pkgs.stdenv.isLinux [ pkgs.valgrind ];
        };
      });

      checks = forAllSystems (
        pkgs:
        let
          package = self.packages.${pkgs.stdenv.hostPlatform.system}.default;
        in
        {
          # building the package runs `cargo test` in its checkPhase
          tests = package;

          # clippy needs the vendored dependencies, so it reuses the package derivation
          clippy = package.overrideAttrs (old: {
            pname = "nfai-clippy";
            nativeBuildInputs = old.nativeBuildInputs ++ [ pkgs.clippy ];
            buildPhase = ''
              runHook preBuild
              cargo clippy --offline --all-targets -- -D warnings
              runHook postBuild
            '';
            doCheck = false;
            installPhase = "touch $out";
          });

          fmt = pkgs.runCommand "nfai-fmt-check" { nativeBuildInputs = [ pkgs.rustfmt ]; } ''
            find ${src} -name '*.rs' -exec rustfmt --check --edition 2021 {} +
            touch $out
          '';

          nix-fmt = pkgs.runCommand "nfai-nixfmt-check" { nativeBuildInputs = [ pkgs.nixfmt-rfc-style ]; } ''
            nixfmt --check ${./flake.nix}
            touch $out
          '';
        }
      );

      formatter = forAllSystems (pkgs: pkgs.nixfmt-rfc-style);
    };
}
