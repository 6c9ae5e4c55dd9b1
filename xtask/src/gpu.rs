//! The CUDA side: PTX generation, the CUDA type-check environment, and
//! building, packing and running the GPU test binaries.

use crate::Result;
use crate::run::{Cmd, Step, cargo, on_path, repo_root, steps};
use std::path::PathBuf;

/// The PTX virtual architecture: old enough for any driver that ships
/// CUDA 12 or 13 to JIT-compile (CUDA 13 dropped pre-Turing targets).
const PTX_ARCH: &str = "compute_75";

/// Environment that lets `cust`'s build script type-check without CUDA:
/// it only needs `$CUDA_LIBRARY_PATH/lib64` to exist.
pub(crate) fn typecheck_env() -> Result<Vec<(String, String)>> {
    if let Ok(path) = std::env::var("CUDA_LIBRARY_PATH") {
        return Ok(vec![("CUDA_LIBRARY_PATH".into(), path)]);
    }
    let stub = repo_root().join("target/cuda-stub");
    std::fs::create_dir_all(stub.join("lib64"))
        .map_err(|e| format!("cannot create {}: {e}", stub.display()))?;
    Ok(vec![(
        "CUDA_LIBRARY_PATH".into(),
        stub.to_string_lossy().into_owned(),
    )])
}

/// `cargo xtask ptx`.
pub(crate) fn ptx() -> Result {
    if !on_path("nvcc") {
        return Err(
            "nvcc not found on PATH: PTX is generated on a machine with the CUDA toolkit \
             (the committed cuda/ptx/*.ptx are used everywhere else)"
                .into(),
        );
    }
    let root = repo_root();
    let mut sources: Vec<PathBuf> = std::fs::read_dir(root.join("cuda"))
        .map_err(|e| format!("cannot read cuda/: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "cu"))
        .collect();
    sources.sort();
    if sources.is_empty() {
        return Err("no cuda/*.cu sources".into());
    }
    let out_dir = root.join("cuda/ptx");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let jobs: Vec<Step> = sources
        .iter()
        .map(|src| {
            let stem = src.file_stem().unwrap_or_default().to_string_lossy();
            let out = out_dir.join(format!("{stem}.ptx"));
            Step::new(
                format!("nvcc {stem}.cu -> cuda/ptx/{stem}.ptx"),
                Cmd::new(
                    "nvcc",
                    [
                        "-ptx".to_owned(),
                        format!("-arch={PTX_ARCH}"),
                        "-O3".into(),
                        "-o".into(),
                        out.to_string_lossy().into_owned(),
                        src.to_string_lossy().into_owned(),
                    ],
                ),
            )
        })
        .collect();
    steps(&jobs)
}

/// Where the driver library used for linking lives: `$CUDA_LIBRARY_PATH`, or
/// `target/cuda-driver` unpacked from Debian's `libcuda1`.
fn link_env() -> Result<Vec<(String, String)>> {
    if let Ok(path) = std::env::var("CUDA_LIBRARY_PATH") {
        return Ok(vec![("CUDA_LIBRARY_PATH".into(), path)]);
    }
    let dir = repo_root().join("target/cuda-driver");
    let lib64 = dir.join("lib64");
    if !lib64.join("libcuda.so").exists() {
        fetch_debian_libcuda(&dir)?;
    }
    Ok(vec![(
        "CUDA_LIBRARY_PATH".into(),
        dir.to_string_lossy().into_owned(),
    )])
}

/// Unpacks Debian's `libcuda1` (non-free) into `dir/lib64` for linking only.
fn fetch_debian_libcuda(dir: &std::path::Path) -> Result {
    if !on_path("apt-get") || !on_path("dpkg") {
        return Err(
            "linking the CUDA path needs libcuda.so: set CUDA_LIBRARY_PATH to a folder whose \
             lib64/ holds it (apt-get and dpkg, used to fetch Debian's libcuda1, are missing)"
                .into(),
        );
    }
    let scratch = dir.join("deb");
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    // A private apt configuration (its own source list, lists and cache
    // under target/) so that the machine's apt set-up is left untouched.
    let apt = dir.join("apt");
    std::fs::create_dir_all(apt.join("lists/partial")).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(apt.join("cache/archives/partial")).map_err(|e| e.to_string())?;
    std::fs::write(
        apt.join("sources.list"),
        "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] \
         http://deb.debian.org/debian bookworm main contrib non-free\n",
    )
    .map_err(|e| e.to_string())?;
    let opts = format!(
        "-o Dir::Etc::SourceList={a}/sources.list -o Dir::Etc::SourceParts=- \
         -o Dir::State::Lists={a}/lists -o Dir::Cache={a}/cache",
        a = apt.display()
    );
    let script = format!(
        "set -e; apt-get {opts} update -qq; cd '{s}'; apt-get {opts} download libcuda1; \
         dpkg -x libcuda1_*.deb x; mkdir -p '{d}/lib64'; \
         cp -a x/usr/lib/x86_64-linux-gnu/nvidia/current/libcuda.so* '{d}/lib64/'; \
         cd '{d}/lib64'; [ -e libcuda.so ] || ln -s libcuda.so.1 libcuda.so",
        s = scratch.display(),
        d = dir.display()
    );
    steps(&[Step::new(
        "fetch Debian's libcuda1 (driver library, for linking only)",
        Cmd::new("sh", ["-c", script.as_str()]),
    )])
}

/// `cargo xtask gpu`: build the CUDA test binaries, pack them, run them
/// when a device is present.
pub(crate) fn gpu(run: bool) -> Result {
    let env = link_env()?;
    let json = cargo([
        "test",
        "-p",
        "sobolev-gpu",
        "--features",
        "cuda",
        "--release",
        "--no-run",
        "--message-format=json",
    ])
    .envs(env.clone())
    .output()?;
    let binaries: Vec<PathBuf> = json
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["reason"] == "compiler-artifact" && v["profile"]["test"] == true)
        .filter_map(|v| v["executable"].as_str().map(PathBuf::from))
        .collect();
    if binaries.is_empty() {
        return Err("no GPU test binaries were built".into());
    }
    let root = repo_root();
    let bundle = root.join("target/gpu-bundle");
    let _ = std::fs::remove_dir_all(&bundle);
    std::fs::create_dir_all(bundle.join("bin")).map_err(|e| e.to_string())?;
    let mut runner = String::from(
        "#!/bin/sh\n# Runs every GPU test binary of this bundle; exits non-zero on the first failure.\nset -e\ncd \"$(dirname \"$0\")\"\n",
    );
    for b in &binaries {
        let name = b.file_name().unwrap_or_default().to_string_lossy();
        std::fs::copy(b, bundle.join("bin").join(name.as_ref())).map_err(|e| e.to_string())?;
        runner.push_str(&format!(
            "echo \"== {name}\"\n./bin/{name} --test-threads=1 \"$@\"\n"
        ));
    }
    std::fs::write(bundle.join("run.sh"), runner).map_err(|e| e.to_string())?;
    Cmd::new("chmod", ["+x", "target/gpu-bundle/run.sh"]).run()?;
    Cmd::new(
        "tar",
        [
            "czf",
            "target/gpu-bundle.tar.gz",
            "-C",
            "target",
            "gpu-bundle",
        ],
    )
    .run()?;
    println!(
        "packed {} GPU test binaries into target/gpu-bundle.tar.gz (run ./run.sh there)",
        binaries.len()
    );
    if run {
        if on_path("nvidia-smi") {
            Cmd::new(bundle.join("run.sh"), Vec::<String>::new()).run()?;
        } else {
            println!("no GPU here (nvidia-smi not found): built and packed, not run");
        }
    }
    Ok(())
}
