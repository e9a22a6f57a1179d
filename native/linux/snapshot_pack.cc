#include "snapshot_pack.h"

#include "../snapshot_layout.h"

namespace proctop {

namespace {

namespace column = proctop_layout::column;
namespace sysfield = proctop_layout::system;

void PackCpu(std::vector<double>& out, const CpuTimesRecord& cpu) {
  // Order of PROCTOP_CPU_FIELDS.
  const unsigned long long values[proctop_layout::cpu::kCount] = {cpu.user, cpu.nice,    cpu.system,  cpu.idle,
                                                                  cpu.iowait, cpu.irq, cpu.softirq, cpu.steal};
  for (unsigned long long value : values) out.push_back(static_cast<double>(value));
}

bool AppendPiece(std::string& text, const std::string& piece) {
  bool ascii = true;
  for (unsigned char c : piece) {
    if (c >= 0x80) ascii = false;
  }
  text.append(piece);
  text.push_back('\0');
  return ascii;
}

}  // namespace

void Pack(SnapshotRecord&& snapshot, PackedSnapshot& packed, PassBreaks* breaks) {
  const SystemInfoRecord& system = snapshot.system;
  std::vector<double>& s = packed.system;
  s.assign(sysfield::kCount, 0);
  s[sysfield::timestampMs] = snapshot.timestampMs;
  s[sysfield::monotonicMs] = snapshot.monotonicMs;
  s[sysfield::readStartMonotonicMs] = snapshot.readStartMonotonicMs;
  s[sysfield::cpuCount] = static_cast<double>(system.cpus.size());
  s[sysfield::memTotalBytes] = static_cast<double>(system.memTotalBytes);
  s[sysfield::memAvailableBytes] = static_cast<double>(system.memAvailableBytes);
  s[sysfield::memFreeBytes] = static_cast<double>(system.memFreeBytes);
  s[sysfield::buffersBytes] = static_cast<double>(system.buffersBytes);
  s[sysfield::cachedBytes] = static_cast<double>(system.cachedBytes);
  s[sysfield::swapTotalBytes] = static_cast<double>(system.swapTotalBytes);
  s[sysfield::swapFreeBytes] = static_cast<double>(system.swapFreeBytes);
  s[sysfield::loadAvg1] = system.loadAvg[0];
  s[sysfield::loadAvg5] = system.loadAvg[1];
  s[sysfield::loadAvg15] = system.loadAvg[2];
  s[sysfield::uptimeSeconds] = system.uptimeSeconds;
  s[sysfield::bootTimeMs] = system.bootTimeMs;
  s[sysfield::clockTicks] = static_cast<double>(system.clockTicks);
  s[sysfield::pageSize] = static_cast<double>(system.pageSize);
  s[sysfield::procsRunning] = system.procsRunning;
  PackCpu(s, system.cpuTotal);
  for (const auto& cpu : system.cpus) PackCpu(s, cpu);

  const size_t count = snapshot.changed.size();
  packed.count = count;
  packed.columns.resize(column::kCount * count);
  packed.order = std::move(snapshot.order);
  packed.columnCount = packed.columns.size();
  packed.orderCount = packed.order.size();
  packed.freed = std::move(snapshot.freedSlots);
  packed.text.clear();
  double* c = packed.columns.data();
  for (size_t i = 0; i < count; ++i) {
    if (breaks) breaks->Tick();
    const ProcessRecord& p = snapshot.changed[i];
    const ProcessFigures& f = p.figures;
    const ProcessDetails& details = *p.details;
    auto put = [c, count, i](column::Index index, double value) { c[index * count + i] = value; };
    put(column::pid, p.pid);
    put(column::startTime, static_cast<double>(p.startTime));
    put(column::ppid, f.ppid);
    put(column::pgid, f.pgid);
    put(column::sid, f.sid);
    put(column::uid, details.uid);
    put(column::state, static_cast<unsigned char>(f.state));
    put(column::utime, static_cast<double>(f.utime));
    put(column::stime, static_cast<double>(f.stime));
    put(column::rssBytes, static_cast<double>(f.rssBytes));
    put(column::vsizeBytes, static_cast<double>(f.vsizeBytes));
    put(column::threads, static_cast<double>(f.threads));
    put(column::nice, static_cast<double>(f.nice));
    put(column::priority, static_cast<double>(f.priority));
    put(column::ttyNr, static_cast<double>(f.ttyNr));
    put(column::isKernelThread, f.isKernelThread ? 1 : 0);
    put(column::slot, p.cacheSlot);
    put(column::detailsFresh, p.detailsFresh ? 1 : 0);
    put(column::hasExe, details.hasExe ? 1 : 0);
    put(column::argc, static_cast<double>(details.argv.size()));
    bool ascii = true;
    const size_t textStart = packed.text.size();
    if (p.detailsFresh) {
      ascii = AppendPiece(packed.text, details.comm) && ascii;
      ascii = AppendPiece(packed.text, details.user) && ascii;
      if (details.hasExe) ascii = AppendPiece(packed.text, details.exe) && ascii;
      for (const std::string& arg : details.argv) ascii = AppendPiece(packed.text, arg) && ascii;
    }
    put(column::textAscii, ascii ? 1 : 0);
    put(column::textBytes, static_cast<double>(packed.text.size() - textStart));
  }
  packed.warnings = std::move(snapshot.warnings);
}


}  // namespace proctop
