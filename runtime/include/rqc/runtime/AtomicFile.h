// Every file rqc writes for a user (packages, .npz outputs, tophub merges, reports, VTA
// images) goes through here: readers and a later run see the old file or the new one,
// never a part, whatever kills rqc in between.
#pragma once

#include <functional>
#include <string>

namespace rqc {

// Replaces `path` with `bytes`: written to a unique hidden temporary file in the same
// directory (`.NAME.rqc-tmp-XXXXXX`), flushed to disk (fsync), renamed over `path`,
// and the directory flushed. A new file gets mode 0666 minus the umask; a replaced one
// keeps its mode. On failure the temporary is removed and rqc::Error names `path` and
// the reason; `path` is untouched. A symbolic link is written through (its target is
// replaced, the link stays); a path that is a directory, a device (/dev/null), a fifo or
// another non-regular file is refused with rqc::Error, since the rename would replace it. A process killed mid-write leaves `path` as it was
// and may leave the hidden temporary behind.
//
// Testing hook: RQC_TEST_WRITE_PAUSE_MS=N pauses N ms halfway through writing the
// temporary (tests kill rqc there, tests/cli/kill_mid_write.py).
void writeFileAtomically(const std::string &path, const std::string &bytes);

// The same for writers that need a file name (libzip): `produce(tmpPath)` writes the
// whole file at tmpPath (it exists, empty); then it is flushed and renamed as above.
// An exception from `produce` removes the temporary and propagates. The testing hook
// pauses after `produce`, before the rename.
void writeFileAtomically(const std::string &path, const std::function<void(const std::string &tmpPath)> &produce);

} // namespace rqc
