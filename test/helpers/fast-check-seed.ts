// Property tests run with a fixed seed, so a failure found once is found again:
// FC_SEED=<n> replays another run, and fast-check prints the seed and the
// shrunk counterexample of any failure (keep that as a regression test).
import fc from "fast-check";

const seed = Number(process.env.FC_SEED ?? 20261202);
fc.configureGlobal({ seed, verbose: 1 });
