// guard.h — how the shim's C entry points turn C++ failures into a
// torchc_error (torchc.h): every exported function runs its body inside
// guard(), so no exception crosses the C ABI, and every failure gets the
// code that says whose fault it is.
#ifndef TORCHC_GUARD_H
#define TORCHC_GUARD_H

#include "torchc.h"

#include <c10/util/Exception.h>
#include <torch/csrc/jit/runtime/jit_exception.h>

#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

namespace torchc {

// Failure is thrown by the shim's own checks, with the code it has already
// decided on.
struct Failure : std::runtime_error {
  Failure(int code, const std::string &msg)
      : std::runtime_error(msg), code(code) {}
  int code;
};

[[noreturn]] inline void fail(int code, const std::string &msg) {
  throw Failure(code, msg);
}

inline void set_error(torchc_error *err, int code, const char *msg) {
  if (err != nullptr) {
    err->code = code;
    err->message = strdup(msg);  // NULL if even that fails: the code stands
  }
}

// guard runs fn and converts every exception into *err. LibTorch's own
// errors not otherwise recognised (c10::Error, and the JITException a
// TorchScript `raise` throws) get `c10_code`: what a LibTorch failure
// means depends on the call (a bad archive in load, the model's failure in
// forward). c10::Error carries a C++ backtrace in what(); callers get the
// message without it.
template <typename Fn>
void guard(torchc_error *err, int c10_code, Fn &&fn) {
  if (err != nullptr) {
    err->code = TORCHC_OK;
    err->message = nullptr;
  }
  try {
    fn();
  } catch (const Failure &e) {
    set_error(err, e.code, e.what());
  } catch (const c10::OutOfMemoryError &e) {
    set_error(err, TORCHC_ERR_OUT_OF_MEMORY, e.what_without_backtrace());
  } catch (const c10::Error &e) {
    set_error(err, c10_code, e.what_without_backtrace());
  } catch (const torch::jit::JITException &e) {
    set_error(err, c10_code, e.what());
  } catch (const std::bad_alloc &) {
    set_error(err, TORCHC_ERR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception &e) {
    set_error(err, TORCHC_ERR_INTERNAL, e.what());
  } catch (...) {
    set_error(err, TORCHC_ERR_INTERNAL, "unknown C++ exception");
  }
}

}  // namespace torchc

#endif  // TORCHC_GUARD_H
