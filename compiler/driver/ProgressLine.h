// A progress line on stderr for long commands (rqc tune, rqc validate): redrawn in place
// on a terminal; on a pipe or a log file (nightly jobs), printed as plain lines, at most
// one per `logInterval` seconds plus the last one, so that a log stays readable.
#pragma once

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <string>

namespace rqc::driver {

// "42s", "3m05s", "2h10m"; "?" for a negative or unknown duration.
inline std::string formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) return fmt::format("{:.0f}s", seconds);
  if (seconds < 3600) return fmt::format("{:.0f}m{:02.0f}s", std::floor(seconds / 60), std::fmod(seconds, 60));
  return fmt::format("{:.0f}h{:02.0f}m", std::floor(seconds / 3600), std::fmod(seconds / 60, 60));
}

class ProgressLine {
public:
  explicit ProgressLine(double logInterval = 0) : tty_(isatty(STDERR_FILENO)), logInterval_(logInterval) {}

  // Seconds since the line was created.
  double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  void show(const std::string &line, bool last) {
    if (tty_) {
      std::cerr << "\r\033[K" << line << (last ? "\n" : "") << std::flush;
      return;
    }
    double now = elapsed();
    if (!last && lastLogged_ >= 0 && now - lastLogged_ < logInterval_) return;
    lastLogged_ = now;
    std::cerr << line << "\n";
  }

private:
  using Clock = std::chrono::steady_clock;
  bool tty_;
  double logInterval_, lastLogged_ = -1;
  Clock::time_point start_ = Clock::now();
};

} // namespace rqc::driver
