#include "recv/task_reader.h"

namespace spead::recv {

void TaskReader::start()
{
    std::shared_ptr<Control> control = control_;
    pool_.post([this, control] {
        {
            std::lock_guard<std::mutex> lock(control->mutex);
            if (control->stopping)
                return;
            control->running = true;
            control->runner = std::this_thread::get_id();
        }
        run();
        std::lock_guard<std::mutex> lock(control->mutex);
        control->running = false;
        control->done.notify_all();
    });
}

bool TaskReader::stopping() const
{
    std::lock_guard<std::mutex> lock(control_->mutex);
    return control_->stopping;
}

void TaskReader::stop()
{
    std::unique_lock<std::mutex> lock(control_->mutex);
    control_->stopping = true;
    if (control_->runner != std::this_thread::get_id())
        control_->done.wait(lock, [this] { return !control_->running; });
}

} // namespace spead::recv
