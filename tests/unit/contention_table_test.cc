// The mutex profile's side table (preload/contention_table.h), driven directly: the
// charge arithmetic with a clock the test sets, its bounds, and a real contended mutex
// whose waiters' own stopwatch is the truth the charges must add up to.
#include <gtest/gtest.h>

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "preload/contention_table.h"
#include "preload/raw_store.h"

namespace cxxprof {
namespace {

uint64_t g_fake_now = 0;
uint64_t fake_clock() { return g_fake_now; }

class ContentionTableTest : public ::testing::Test {
 protected:
  // 4096 entries of 24 bytes: on the heap, not on the test's stack.
  std::unique_ptr<ContentionTable> table_ = std::make_unique<ContentionTable>();

  ContentionTable::Ticket add(uintptr_t lock, uint64_t start) {
    ContentionTable::Ticket ticket;
    EXPECT_EQ(table_->add_waiter(lock, start, &ticket), ContentionTable::AddResult::kAdded);
    return ticket;
  }
  ContentionTable::Charge charge_at(uintptr_t lock, uint64_t now) {
    g_fake_now = now;
    return table_->take_charge(lock, &fake_clock);
  }
};

constexpr uintptr_t kLock = 0x7f0000001000;
constexpr uintptr_t kOtherLock = 0x7f0000002040;

TEST_F(ContentionTableTest, OneWaiterIsChargedFromItsArrivalThenFromEachRelease) {
  ContentionTable::Ticket waiter = add(kLock, 100);
  ContentionTable::Charge charge = charge_at(kLock, 350);
  EXPECT_EQ(charge.delay_ns, 250u);
  EXPECT_EQ(charge.waiters, 1u);
  // Still waiting (the lock went to someone else): the next release pays from 350 on.
  charge = charge_at(kLock, 400);
  EXPECT_EQ(charge.delay_ns, 50u);
  table_->remove_waiter(&waiter);
  EXPECT_EQ(waiter.entry, -1);
  charge = charge_at(kLock, 900);
  EXPECT_EQ(charge.waiters, 0u);
  EXPECT_EQ(charge.delay_ns, 0u);
  EXPECT_EQ(table_->entries_in_use(), 0u) << "the last waiter frees the entry";
}

TEST_F(ContentionTableTest, EveryWaiterCountsAndLeavesWithItsOwnShare) {
  ContentionTable::Ticket a = add(kLock, 100);
  ContentionTable::Ticket b = add(kLock, 200);
  ContentionTable::Charge charge = charge_at(kLock, 300);
  EXPECT_EQ(charge.delay_ns, 200u + 100u);
  EXPECT_EQ(charge.waiters, 2u);
  // a takes the lock at 310: its wake-up after the release is nobody's critical section.
  table_->remove_waiter(&a);
  ContentionTable::Ticket c = add(kLock, 450);
  charge = charge_at(kLock, 500);
  EXPECT_EQ(charge.delay_ns, (500u - 300u) + (500u - 450u)) << "b since the release, c since it came";
  EXPECT_EQ(charge.waiters, 2u);
  table_->remove_waiter(&b);
  table_->remove_waiter(&c);
  EXPECT_EQ(table_->entries_in_use(), 0u);
}

TEST_F(ContentionTableTest, AWaiterThatLeavesBeforeAnyReleaseIsNotCharged) {
  ContentionTable::Ticket gave_up = add(kLock, 100);  // a timed lock that timed out
  ContentionTable::Ticket stays = add(kLock, 150);
  table_->remove_waiter(&gave_up);
  const ContentionTable::Charge charge = charge_at(kLock, 200);
  EXPECT_EQ(charge.delay_ns, 50u);
  EXPECT_EQ(charge.waiters, 1u);
  table_->remove_waiter(&stays);
}

TEST_F(ContentionTableTest, LocksAreChargedSeparately) {
  ContentionTable::Ticket a = add(kLock, 100);
  ContentionTable::Ticket b = add(kOtherLock, 120);
  EXPECT_EQ(charge_at(kOtherLock, 200).delay_ns, 80u);
  EXPECT_EQ(charge_at(kLock, 200).delay_ns, 100u);
  EXPECT_EQ(charge_at(0x1234, 200).waiters, 0u) << "a lock nobody waits for";
  table_->remove_waiter(&a);
  table_->remove_waiter(&b);
}

TEST_F(ContentionTableTest, AClockBehindTheBaseChargesNothingNegative) {
  ContentionTable::Ticket a = add(kLock, 1000);
  EXPECT_EQ(charge_at(kLock, 900).delay_ns, 0u);
  EXPECT_EQ(charge_at(kLock, 1100).delay_ns, 100u);
  table_->remove_waiter(&a);
}

TEST_F(ContentionTableTest, RemovingTwiceIsHarmless) {
  ContentionTable::Ticket a = add(kLock, 100);
  ContentionTable::Ticket b = add(kLock, 100);
  table_->remove_waiter(&a);
  table_->remove_waiter(&a);
  EXPECT_EQ(charge_at(kLock, 200).waiters, 1u);
  table_->remove_waiter(&b);
  EXPECT_EQ(table_->entries_in_use(), 0u);
}

TEST_F(ContentionTableTest, UntrackableAddresses) {
  ContentionTable::Ticket ticket;
  EXPECT_EQ(table_->add_waiter(0, 1, &ticket), ContentionTable::AddResult::kNotTrackable);
  EXPECT_EQ(table_->add_waiter(uintptr_t(1) << 48, 1, &ticket),
            ContentionTable::AddResult::kNotTrackable);
  EXPECT_EQ(ticket.entry, -1);
  EXPECT_EQ(table_->take_charge(0, &fake_clock).waiters, 0u);
}

TEST_F(ContentionTableTest, AFullBucketRefusesTheNextLockAndRecoversWhenFreed) {
  // Locks that share kLock's bucket, found the way the table finds them.
  std::vector<uintptr_t> locks;
  for (uintptr_t candidate = kLock; locks.size() < ContentionTable::kBucketSize + 1; candidate += 64) {
    if (ContentionTable::bucket_of(candidate) == ContentionTable::bucket_of(kLock)) {
      locks.push_back(candidate);
    }
  }
  std::vector<ContentionTable::Ticket> tickets;
  for (size_t i = 0; i < ContentionTable::kBucketSize; ++i) tickets.push_back(add(locks[i], 10));
  ContentionTable::Ticket refused;
  EXPECT_EQ(table_->add_waiter(locks.back(), 10, &refused), ContentionTable::AddResult::kBucketFull);
  // Another waiter of a lock that has an entry still gets in.
  ContentionTable::Ticket joined = add(locks[3], 20);
  EXPECT_EQ(joined.entry, tickets[3].entry);
  table_->remove_waiter(&joined);
  table_->remove_waiter(&tickets[0]);
  ContentionTable::Ticket now_fits = add(locks.back(), 30);
  EXPECT_EQ(charge_at(locks.back(), 50).delay_ns, 20u);
  table_->remove_waiter(&now_fits);
  for (auto& ticket : tickets) table_->remove_waiter(&ticket);
  EXPECT_EQ(table_->entries_in_use(), 0u);
}

// A lock's entry holds at most kMaxWaiters pins; the next waiter opens a second entry for
// the same lock, and a release is charged for both.
TEST_F(ContentionTableTest, AVeryBusyLockSpillsIntoASecondEntry) {
  std::vector<ContentionTable::Ticket> tickets(ContentionTable::kMaxWaiters + 1);
  for (auto& ticket : tickets) {
    ASSERT_EQ(table_->add_waiter(kLock, 5, &ticket), ContentionTable::AddResult::kAdded);
  }
  EXPECT_NE(tickets.front().entry, tickets.back().entry);
  EXPECT_EQ(table_->entries_in_use(), 2u);
  const ContentionTable::Charge charge = charge_at(kLock, 6);
  EXPECT_EQ(charge.waiters, ContentionTable::kMaxWaiters + 1);
  EXPECT_EQ(charge.delay_ns, ContentionTable::kMaxWaiters + 1);
  for (auto& ticket : tickets) table_->remove_waiter(&ticket);
  EXPECT_EQ(table_->entries_in_use(), 0u);
}

TEST_F(ContentionTableTest, OffsetsBeyondTheirBitsAreRefused) {
  ContentionTable::Ticket first = add(kLock, 1000);
  ContentionTable::Ticket late = add(kLock, 1000 + ContentionTable::kMaxOffsetSum - 5);
  ContentionTable::Ticket refused;
  EXPECT_EQ(table_->add_waiter(kLock, 1000 + ContentionTable::kMaxOffsetSum, &refused),
            ContentionTable::AddResult::kLockFull);
  EXPECT_EQ(refused.entry, -1);
  // A release resets the offsets: there is room again.
  charge_at(kLock, 1000 + ContentionTable::kMaxOffsetSum);
  ContentionTable::Ticket fits = add(kLock, 1001 + ContentionTable::kMaxOffsetSum);
  table_->remove_waiter(&first);
  table_->remove_waiter(&late);
  table_->remove_waiter(&fits);
  EXPECT_EQ(table_->entries_in_use(), 0u);
}

TEST_F(ContentionTableTest, ResetForgetsEveryWaiter) {
  add(kLock, 1);
  add(kOtherLock, 1);
  table_->reset();
  EXPECT_EQ(table_->entries_in_use(), 0u);
  EXPECT_EQ(charge_at(kLock, 100).waiters, 0u);
}

// Real threads and a real mutex, used as the interposers use the table: a holder keeps
// the mutex for a while and takes the charge before each unlock; waiters that find it
// taken register, lock, withdraw, and time themselves. Every nanosecond charged is a
// nanosecond some waiter measured (the charge ends at the release, before the waiter's
// clock stops), and only wake-up latencies are missing.
TEST(ContentionTableConcurrency, ChargesAddUpToWhatTheWaitersMeasured) {
  auto table = std::make_unique<ContentionTable>();
  pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
  std::atomic<uint64_t> measured{0};
  std::atomic<uint64_t> charged{0};
  std::atomic<uint64_t> waits{0};
  constexpr int kThreads = 4;
  // Rounds go on until the mutex was found taken often enough: how soon that happens is
  // up to the scheduler (on a loaded machine one thread may take it many times in a row).
  constexpr uint64_t kMinWaits = 60;
  constexpr int kMaxRounds = 3000;

  auto worker = [&] {
    for (int round = 0; round < kMaxRounds && waits.load() < kMinWaits; ++round) {
      if (pthread_mutex_trylock(&mutex) != 0) {
        const uint64_t start = monotonic_ns();
        ContentionTable::Ticket ticket;
        ASSERT_EQ(table->add_waiter(uintptr_t(&mutex), start, &ticket),
                  ContentionTable::AddResult::kAdded);
        pthread_mutex_lock(&mutex);
        const uint64_t end = monotonic_ns();
        table->remove_waiter(&ticket);
        measured += end - start;
        ++waits;
      }
      timespec hold{0, 300'000};  // 0.3 ms inside the critical section
      nanosleep(&hold, nullptr);
      charged += table->take_charge(uintptr_t(&mutex), &monotonic_ns).delay_ns;
      pthread_mutex_unlock(&mutex);
      sched_yield();  // a woken waiter gets a chance before this thread locks again
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();

  ASSERT_GE(waits.load(), kMinWaits) << "the mutex was hardly contended";
  EXPECT_LE(charged.load(), measured.load());
  EXPECT_GE(double(charged.load()), 0.75 * double(measured.load()))
      << "charged " << charged.load() << " ns of " << measured.load() << " ns measured over "
      << waits.load() << " waits";
  EXPECT_EQ(table->entries_in_use(), 0u);
}

}  // namespace
}  // namespace cxxprof
