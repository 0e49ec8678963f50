// The command-line conventions of every rqc executable (rqc, the runtime-only rqc,
// rqc-vta), in one place: CLI11 parses; a user error is one line
// "PROG: error: WHAT (see PROG [SUB...] --help)" and exit 2; an error a command throws
// (rqc::Error or any std::exception) is "PROG: error: WHAT" and exit 1; a command that
// throws CLI::RuntimeError has already printed its message and exits with its code.
//
// Header-only (CLI11 is), so that the runtime-only and VTA tools, which link neither the
// compiler nor each other, share it.
#pragma once

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

namespace rqc::cli {

namespace detail {

inline std::vector<CLI::App *> visibleSubcommands(CLI::App &app) {
  std::vector<CLI::App *> subs = app.get_subcommands([](CLI::App *s) { return !s->get_group().empty(); });
  return subs;
}

inline std::string names(const std::vector<CLI::App *> &subs) {
  std::string out;
  for (CLI::App *s : subs) out += (out.empty() ? "" : ", ") + s->get_name();
  return out;
}

inline CLI::App *findSubcommand(CLI::App &app, const std::string &name) {
  for (CLI::App *s : app.get_subcommands({}))
    if (s->check_name(name)) return s;
  return nullptr;
}

inline bool hasPositionals(CLI::App &app) {
  for (const CLI::Option *o : app.get_options())
    if (o->get_positional()) return true;
  return false;
}

} // namespace detail

// What CLI11 would report as "A subcommand is required", said plainly: the first word
// that should name a subcommand but names none ("unknown subcommand 'x' of 'rqc tophub'
// (it has: merge, diff)"), or a missing one ("'rqc tophub' needs a subcommand: merge,
// diff"). Only apps with subcommands and no positional arguments are checked (`rqc tune
// MODEL` takes its model where `rqc tune report` takes a subcommand). `args` as typed,
// without the program name. nullopt when the words name a subcommand chain.
inline std::optional<std::string> subcommandError(CLI::App &app, const std::vector<std::string> &args) {
  CLI::App *cur = &app;
  std::string path = app.get_name();
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string &a = args[i];
    if (a == "--") break;
    if (a.rfind("-", 0) == 0) {
      if (a == "-h" || a == "--help" || a == "--version") return std::nullopt;
      // An option of this app taking a value swallows the next word.
      std::string name = a.substr(0, a.find('='));
      const CLI::Option *o = cur->get_option_no_throw(name);
      if (o && a.find('=') == std::string::npos && o->get_expected_min() > 0) ++i;
      continue;
    }
    if (cur->get_subcommands({}).empty()) return std::nullopt;
    if (detail::hasPositionals(*cur)) return std::nullopt;
    CLI::App *next = detail::findSubcommand(*cur, a);
    if (!next)
      return "unknown subcommand '" + a + "' of '" + path + "' (it has: " +
             detail::names(detail::visibleSubcommands(*cur)) + ") (see " + path + " --help)";
    cur = next;
    path += " " + a;
  }
  if (cur->get_require_subcommand_min() > 0 && !detail::hasPositionals(*cur))
    return "'" + path + "' needs a subcommand: " + detail::names(detail::visibleSubcommands(*cur)) + " (see " +
           path + " --help)";
  return std::nullopt;
}

// An option no command on the chain `args` names knows ("unknown option '--calibraton' of
// 'rqc quantize'"), found before parsing: CLI11 would report a misspelled required option
// as missing ("--calibration is required"), never naming what was typed. nullopt when every
// option is known.
inline std::optional<std::string> unknownOptionError(CLI::App &app, const std::vector<std::string> &args) {
  CLI::App *cur = &app;
  std::string path = app.get_name();
  auto find = [&](const std::string &name) -> const CLI::Option * {
    for (CLI::App *a = cur; a; a = a->get_parent())
      if (const CLI::Option *o = a->get_option_no_throw(name)) return o;
    return nullptr;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string &a = args[i];
    if (a == "--" || cur->get_allow_extras()) break; // a command that takes any words
    const bool number = a.size() > 1 && a[0] == '-' && (std::isdigit(static_cast<unsigned char>(a[1])) || a[1] == '.');
    if (a.size() > 1 && a[0] == '-' && !number) {
      if (a == "-h" || a == "--help" || a == "--version") return std::nullopt;
      // A short option may carry its value in the same word (-oFILE); a long one after '='.
      const bool shortOption = a[1] != '-';
      const std::string name = shortOption ? a.substr(0, 2) : a.substr(0, a.find('='));
      const CLI::Option *o = find(name);
      if (!o) return "unknown option '" + name + "' of '" + path + "' (see " + path + " --help)";
      const bool valueAttached = shortOption ? a.size() > 2 : a.find('=') != std::string::npos;
      if (!valueAttached && o->get_expected_min() > 0) ++i; // its value
      continue;
    }
    if (CLI::App *next = detail::findSubcommand(*cur, a)) {
      cur = next;
      path += " " + a;
    }
  }
  return std::nullopt;
}

// "rqc tune report": the program and the subcommands `args` name, for "see ... --help".
inline std::string commandPath(CLI::App &app, const std::vector<std::string> &args) {
  CLI::App *cur = &app;
  std::string path = app.get_name();
  for (const std::string &a : args)
    if (CLI::App *next = a.rfind("-", 0) == 0 ? nullptr : detail::findSubcommand(*cur, a)) {
      cur = next;
      path += " " + a;
    }
  return path;
}

// Parses `args` (without the program name) into `app` and runs the chosen callbacks;
// returns the process exit status. `app` must be named (its name starts every line).
inline int parseAndRun(CLI::App &app, std::vector<std::string> args) {
  const std::string prog = app.get_name();
  if (auto error = subcommandError(app, args)) {
    std::cerr << prog << ": error: " << *error << "\n";
    return 2;
  }
  if (auto error = unknownOptionError(app, args)) {
    std::cerr << prog << ": error: " << *error << "\n";
    return 2;
  }
  std::vector<std::string> reversed(args.rbegin(), args.rend()); // CLI11 takes a vector reversed
  try {
    app.parse(reversed);
  } catch (const CLI::RuntimeError &e) { // a command's own exit code (its message is already out)
    return e.get_exit_code();
  } catch (const CLI::ParseError &e) {
    if (e.get_exit_code() == 0) return app.exit(e); // --help, --version
    std::cerr << prog << ": error: " << e.what() << " (see " << commandPath(app, args) << " --help)\n";
    return 2;
  } catch (const std::exception &e) {
    std::cerr << prog << ": error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

} // namespace rqc::cli
