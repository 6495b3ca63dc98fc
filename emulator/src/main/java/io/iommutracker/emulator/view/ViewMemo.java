package io.iommutracker.emulator.view;

/**
 * The last view built for one host, with what it was derived from, so the next build recomputes only what the
 * host's new version changed ({@link IncrementalView}). Any version of the host may be built against it: what
 * changed is found by comparing versions, never assumed from the order of builds. Not thread-safe on its own:
 * {@link HostViewBuilder} locks it for a build.
 */
public final class ViewMemo {

    IncrementalView last;

    /**
     * A memo holding the same last view: builds against either start from it without disturbing the other (a derived
     * view never changes the one it was derived from). For benchmarks and what-if questions asked from one state.
     */
    public ViewMemo copy() {
        ViewMemo m = new ViewMemo();
        synchronized (this) {
            m.last = last;
        }
        return m;
    }
}
