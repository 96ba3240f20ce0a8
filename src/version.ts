/** The Confiture version, printed by `confiture --version` and stamped into build headers. */
export const VERSION = "0.1.0";
