#include "secrets.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

namespace trunkline::emulator {
namespace json = boost::json;
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Form decoding that never fails: '+' is a space, a bad escape stays as it is.
std::string FormDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// name=value pairs separated by '&' (or ';'), masked pair by pair; the text is kept as sent.
std::string MaskForm(std::string_view form) {
  std::string out;
  size_t start = 0;
  while (start <= form.size()) {
    size_t end = form.find_first_of("&;", start);
    if (end == std::string_view::npos) end = form.size();
    const std::string_view pair = form.substr(start, end - start);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && IsSecretName(FormDecode(pair.substr(0, eq)))) {
      out.append(pair.substr(0, eq + 1)).append(kMasked);
    } else if (eq == std::string_view::npos && IsSecretName(FormDecode(pair))) {
      out.append(kMasked);
    } else {
      out.append(pair);
    }
    if (end < form.size()) out += form[end];
    start = end + 1;
  }
  return out;
}

// Masks the values of secret keys at any depth; true when something was masked.
bool MaskJson(json::value& value) {
  bool masked = false;
  if (value.is_object()) {
    for (auto& [key, member] : value.as_object()) {
      if (IsSecretName(key)) {
        member = kMasked;
        masked = true;
      } else {
        masked |= MaskJson(member);
      }
    }
  } else if (value.is_array()) {
    for (json::value& element : value.as_array()) masked |= MaskJson(element);
  }
  return masked;
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

// The end of a quoted string starting at `at` (the quote), past its closing quote.
size_t QuotedEnd(std::string_view text, size_t at) {
  const char quote = text[at];
  for (size_t i = at + 1; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == quote) {
      return i + 1;
    }
  }
  return text.size();
}

// The end of the value starting at `at`: a quoted string, a bracketed object or array
// (nesting counted, strings skipped), or a bare word up to the next delimiter.
size_t ValueEnd(std::string_view text, size_t at) {
  if (at >= text.size()) return at;
  if (text[at] == '"' || text[at] == '\'') return QuotedEnd(text, at);
  if (text[at] == '{' || text[at] == '[') {
    int depth = 0;
    for (size_t i = at; i < text.size(); ++i) {
      if (text[i] == '"' || text[i] == '\'') {
        i = QuotedEnd(text, i) - 1;
      } else if (text[i] == '{' || text[i] == '[') {
        ++depth;
      } else if ((text[i] == '}' || text[i] == ']') && --depth == 0) {
        return i + 1;
      }
    }
    return text.size();
  }
  const size_t end = text.find_first_of(",;&}] \t\r\n", at);
  return end == std::string_view::npos ? text.size() : end;
}

// Text that is not valid JSON: every "name": value, 'name': value, name: value or
// name=value whose name is secret gets its value masked (quotes kept).
std::string MaskLoose(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t name_end = i;
    std::string_view name;
    if (text[i] == '"' || text[i] == '\'') {
      name_end = QuotedEnd(text, i);
      name = text.substr(i + 1, std::max<size_t>(name_end - i, 2) - 2);
    } else if (IsNameChar(text[i])) {
      while (name_end < text.size() && IsNameChar(text[name_end])) ++name_end;
      name = text.substr(i, name_end - i);
    } else {
      out += text[i++];
      continue;
    }
    out.append(text.substr(i, name_end - i));
    i = name_end;
    size_t sep = text.find_first_not_of(" \t\r\n", i);
    if (sep == std::string_view::npos || (text[sep] != ':' && text[sep] != '=') ||
        !IsSecretName(name)) {
      continue;
    }
    const size_t value = std::min(text.find_first_not_of(" \t\r\n", sep + 1), text.size());
    out.append(text.substr(i, value - i));
    const size_t end = ValueEnd(text, value);
    const bool quoted = value < text.size() && (text[value] == '"' || text[value] == '\'');
    if (quoted) out += text[value];
    out.append(kMasked);
    if (quoted && end > value + 1 && text[end - 1] == text[value]) out += text[value];
    i = end;
  }
  return out;
}

}  // namespace

bool IsSecretName(std::string_view name) {
  std::string folded;
  for (char c : name) {
    if (c == '_' || c == '-' || c == '.' || c == ' ') continue;
    folded += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  for (std::string_view not_secret : kNotSecretNames) {
    if (folded == not_secret) return false;
  }
  return std::any_of(std::begin(kSecretNameParts), std::end(kSecretNameParts),
                     [&](std::string_view part) { return folded.find(part) != std::string::npos; });
}

std::string MaskBody(std::string_view body) {
  const size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (body[first] == '{' || body[first] == '[')) {
    json::error_code ec;
    json::value parsed = json::parse(body, ec);
    if (ec) return MaskLoose(body);
    return MaskJson(parsed) ? json::serialize(parsed) : std::string(body);
  }
  return MaskForm(body);
}

std::string MaskTarget(std::string_view target) {
  const size_t query = target.find('?');
  if (query == std::string_view::npos) return std::string(target);
  return std::string(target.substr(0, query + 1)) + MaskForm(target.substr(query + 1));
}

std::vector<http::Header> MaskHeaders(const std::vector<http::Header>& headers) {
  std::vector<http::Header> out;
  for (const http::Header& h : headers) {
    if (!IsSecretName(h.name)) {
      out.push_back(h);
      continue;
    }
    // "Basic abc" -> "Basic ***": the scheme tells how the client authenticated.
    const size_t space = h.value.find(' ');
    std::string name = h.name;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const bool scheme =
        space != std::string::npos && name.find("authorization") != std::string::npos;
    out.push_back({h.name, (scheme ? h.value.substr(0, space + 1) : "") + std::string(kMasked)});
  }
  return out;
}

}  // namespace trunkline::emulator
