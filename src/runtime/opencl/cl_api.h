#pragma once
// The OpenCL C API as this backend uses it: version 1.2, what Arm's Mali driver, pocl and
// CLBlast's header all provide (clCreateCommandQueue is not deprecated at this version).
// Only the backend's own files include this; the public headers are free of OpenCL types.
#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>

#include <string>

#include "core/result.h"

namespace specmap::runtime::ocl {

// "CL_OUT_OF_RESOURCES (-5)" for an OpenCL error code; CLBlast's own codes (-1024 and
// below) as "CLBlast status -2046".
std::string cl_error_text(cl_int code);
// Ok for CL_SUCCESS, else an Error "OpenCL: <what>: <code text>".
Status cl_check(cl_int code, const std::string& what);

}  // namespace specmap::runtime::ocl
