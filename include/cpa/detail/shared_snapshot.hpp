// An immutable snapshot that readers take and a writer replaces: a `std::shared_ptr<const T>`
// whose copy and replacement are guarded by a mutex.
//
// Why not `std::atomic<std::shared_ptr<const T>>`: libstdc++ 12 implements it with a lock bit
// inside the control-block pointer and releases that lock after a load with relaxed ordering, so
// a load and a later store are not ordered by happens-before; ThreadSanitizer reports every such
// pair as a data race. The mutex here is held only to copy or swap one pointer; the old snapshot
// is released after the lock is dropped.
#ifndef CPA_DETAIL_SHARED_SNAPSHOT_HPP
#define CPA_DETAIL_SHARED_SNAPSHOT_HPP

#include <memory>
#include <mutex>
#include <utility>

namespace cpa::detail {

template <class T>
class shared_snapshot {
public:
    explicit shared_snapshot(std::shared_ptr<const T> initial) : current_(std::move(initial)) {}
    shared_snapshot(const shared_snapshot&) = delete;
    shared_snapshot& operator=(const shared_snapshot&) = delete;

    /// The current snapshot; it stays valid for as long as the caller holds it.
    [[nodiscard]] std::shared_ptr<const T> load() const {
        const std::lock_guard lock(mutex_);
        return current_;
    }

    /// Makes `next` current. The snapshot it replaces is released outside the lock, once its
    /// last reader lets go of it.
    void store(std::shared_ptr<const T> next) {
        {
            const std::lock_guard lock(mutex_);
            current_.swap(next);
        }
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const T> current_;
};

} // namespace cpa::detail

#endif
