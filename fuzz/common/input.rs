//! Decoding fuzz bytes into the numbers and samples the RKHS targets take.
//!
//! Each number is a tag byte then either the raw bits of an `f64` (one tag
//! in four: NaN, infinities, subnormals and extremes) or a 16-bit integer
//! divided by 256 (values of ordinary size, so that the estimators also run
//! on realistic data). Bytes past the end read as zero.
#![allow(dead_code)]

pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for b in &mut out {
            *b = self.byte();
        }
        out
    }

    /// A count in `0..=max`.
    pub fn count(&mut self, max: usize) -> usize {
        usize::from(self.byte()) % (max + 1)
    }

    pub fn seed(&mut self) -> u64 {
        u64::from_le_bytes(self.bytes::<8>())
    }

    /// Any `f64`, raw or of ordinary size (see the module docs).
    pub fn number(&mut self) -> f64 {
        if self.byte() % 4 == 0 {
            f64::from_le_bytes(self.bytes::<8>())
        } else {
            f64::from(i16::from_le_bytes(self.bytes::<2>())) / 256.0
        }
    }

    pub fn numbers(&mut self, len: usize) -> Vec<f64> {
        (0..len).map(|_| self.number()).collect()
    }
}
