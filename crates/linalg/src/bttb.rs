//! Block-Toeplitz operators with Toeplitz blocks (BTTB).
