//! Opening a CUDA device through `cust`.

use crate::{Error, Result};
use cust::context::Context;
use cust::device::Device;
use cust::error::CudaError;

/// Maps a `cust` error to ours, keeping the CUDA error's name.
pub(crate) fn cuda(during: &'static str) -> impl FnOnce(CudaError) -> Error {
    move |e| match e {
        CudaError::NoDevice | CudaError::NotInitialized | CudaError::InvalidDevice => {
            Error::Unavailable(format!("{e:?} during {during}"))
        }
        other => Error::Cuda {
            name: format!("{other:?}"),
            during,
        },
    }
}

/// A handle to one CUDA device and its primary context.
#[derive(Debug)]
pub struct Gpu {
    device: Device,
    _context: Context,
}

impl Gpu {
    /// Initialises the driver and opens device 0. Returns
    /// [`Error::Unavailable`] where there is no driver or no device.
    pub fn new() -> Result<Self> {
        cust::init(cust::CudaFlags::empty()).map_err(cuda("driver initialisation"))?;
        let device = Device::get_device(0).map_err(cuda("device lookup"))?;
        let context = Context::new(device).map_err(cuda("context creation"))?;
        Ok(Self {
            device,
            _context: context,
        })
    }

    /// The device's name as the driver reports it.
    pub fn name(&self) -> Result<String> {
        self.device.name().map_err(cuda("device name"))
    }
}
