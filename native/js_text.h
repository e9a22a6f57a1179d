// Bytes the kernel hands over (argv, comm, paths, socket names) are not always valid UTF-8.
// napi_create_string_utf8 would turn each bad byte into U+FFFD, so "\xff" and "\xfe" would look
// alike and a person could not see what a name really is. Invalid bytes become the lone
// surrogates U+DC80..U+DCFF instead (Python's "surrogateescape"): lossless, shown as "\xff" by
// src/output/sanitize.ts, and written by JSON.stringify as "\udcff".
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

namespace proctop_js {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when the byte there starts none.
inline size_t Utf8SequenceLength(const unsigned char* s, size_t i, size_t n) {
  unsigned char c = s[i];
  if (c < 0x80) return 1;
  auto cont = [&](size_t k) { return i + k < n && (s[i + k] & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    unsigned char c1 = s[i + 1];
    if (c == 0xE0 && c1 < 0xA0) return 0;   // overlong
    if (c == 0xED && c1 >= 0xA0) return 0;  // UTF-16 surrogates are not characters
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    unsigned char c1 = s[i + 1];
    if (c == 0xF0 && c1 < 0x90) return 0;  // overlong
    if (c == 0xF4 && c1 >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

inline bool IsValidUtf8(const std::string& text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  for (size_t i = 0; i < n;) {
    if (s[i] < 0x80) {
      ++i;
      continue;
    }
    size_t len = Utf8SequenceLength(s, i, n);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

// UTF-16 of text, with every byte that starts no valid sequence as U+DC00 + byte.
inline std::u16string SurrogateEscaped(const std::string& text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  std::u16string out;
  out.reserve(n);
  for (size_t i = 0; i < n;) {
    size_t len = Utf8SequenceLength(s, i, n);
    uint32_t cp;
    switch (len) {
      case 1: cp = s[i]; break;
      case 2: cp = ((s[i] & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu); break;
      case 3: cp = ((s[i] & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu); break;
      case 4: cp = ((s[i] & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu); break;
      default: out.push_back(static_cast<char16_t>(0xDC00 + s[i])); ++i; continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += len;
  }
  return out;
}

// A JS string holding exactly the bytes of text (see the top of this file); valid UTF-8, the
// usual case, takes V8's own decoder after one validating pass.
inline napi_status CreateByteString(napi_env env, const std::string& text, napi_value* result) {
  if (IsValidUtf8(text)) return napi_create_string_utf8(env, text.data(), text.size(), result);
  std::u16string wide = SurrogateEscaped(text);
  return napi_create_string_utf16(env, wide.data(), wide.size(), result);
}

}  // namespace proctop_js
