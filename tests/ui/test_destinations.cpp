// The monitor's OSC destinations: added and removed while another thread sends every tick, test
// frames, presets in and out.
#include <atomic>
#include <thread>

#include "lo_receiver.h"
#include "motion/error.h"
#include "test_support.h"
#include "ui/destinations.h"

using namespace e2m;

namespace {

live::OutputFrame some_frame(int64_t tick) {
  live::OutputFrame f;
  f.tick = tick;
  f.time_s = double(tick) / 60;
  f.pose.root = {0, 0.95, 0};
  return f;
}

}  // namespace

TEST_CASE("destinations: added and removed while a clock thread sends, frames go where they should",
          "[ui][net]") {
  test::LoReceiver vmc_rx, vj_rx;
  ui::Destinations dest;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> ticks{0};
  std::thread clock([&] {
    while (!stop) {
      dest.send(some_frame(ticks++));
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  });
  const int vmc = dest.add({ui::DestinationKind::kVmc, vmc_rx.address(), {}, {}});
  ui::DestinationSpec vj{ui::DestinationKind::kVj, vj_rx.address(), {}, {}};
  const int vj_slot = dest.add(vj);
  CHECK(vmc != vj_slot);
  vmc_rx.receive(20, 3000);
  vj_rx.receive(20, 3000);
  dest.remove(vmc);
  const auto list = dest.list();
  REQUIRE(list.size() == 1);
  CHECK(list[0].spec.kind == ui::DestinationKind::kVj);
  CHECK(list[0].stats.frames > 0);
  // Nothing reaches the removed destination once remove() returned (what was in flight is drained).
  vmc_rx.receive(1000000, 100);
  const size_t after_remove = vmc_rx.with_path("/VMC/Ext/T").size();
  vmc_rx.receive(1000000, 200);
  CHECK(vmc_rx.with_path("/VMC/Ext/T").size() == after_remove);
  CHECK(after_remove >= 20);
  // Adding and removing under load many times: no crash, no send into a freed output.
  for (int k = 0; k < 50; ++k) dest.remove(dest.add({ui::DestinationKind::kVmc, "127.0.0.1:9", {}, {}}));
  stop = true;
  clock.join();
  CHECK(!vj_rx.with_path("/e2m/pose").empty());
}

TEST_CASE("destinations: a test frame reaches the address, a bad address or a full set is an error",
          "[ui][net]") {
  test::LoReceiver rx;
  ui::Destinations dest;
  const int slot = dest.add({ui::DestinationKind::kVmc, rx.address(), {}, {}});
  CHECK(dest.send_test_frame(slot, some_frame(7)));
  rx.receive(1, 2000);
  CHECK(rx.with_path("/VMC/Ext/Root/Pos").size() == 1);
  CHECK_THROWS_AS(dest.add({ui::DestinationKind::kVj, "no port here", {}, {}}), Error);
  for (int k = 1; k < ui::Destinations::kSlots; ++k)
    dest.add({ui::DestinationKind::kVmc, "127.0.0.1:9", {}, {}});
  CHECK_THROWS_WITH(dest.add({ui::DestinationKind::kVmc, "127.0.0.1:9", {}, {}}),
                    Catch::Matchers::Contains("remove one first"));
}

TEST_CASE("destinations: a vmc preset loads as destinations and saves back the same", "[ui]") {
  live::VmcPreset p;
  p.name = "stage";
  live::VmcTarget a;
  a.host = "127.0.0.1";
  a.port = 39539;
  live::VmcTarget b = a;
  b.port = 39540;
  b.root_lock = true;
  b.bundled = false;
  b.rate_hz = 30;  // a receiver that wants half the clock's rate keeps it both ways
  p.outputs = {a, b};
  const auto specs = ui::destinations_of(live::Preset(p));
  REQUIRE(specs.size() == 2);
  CHECK(specs[1].host_port == "127.0.0.1:39540");
  CHECK(specs[1].vmc.root_lock);
  CHECK(!specs[1].vmc.bundled);
  CHECK(specs[1].vmc.rate_hz == 30);
  std::vector<ui::DestinationInfo> infos;
  for (const auto& s : specs) infos.push_back({int(infos.size()), s, {}});
  CHECK(ui::vmc_preset_of(infos, "stage") == p);
  CHECK(ui::describe(specs[0]) == "VMC 127.0.0.1:39539");
}
