package dev.quanta.backend.opencl;

import dev.quanta.kernels.backend.BackendException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * Places the intermediate tensors of a graph in device pages that are reused from graph to graph:
 * first-fit free lists with coalescing, so a tensor's bytes return to the pool after its last use.
 * A page is at most the device's largest allocation; a tensor never spans pages.
 */
final class ScratchAllocator implements AutoCloseable {
    static final long ALIGN = 256;
    private final long maxPage;
    private final long minPage;
    private final LongFunction<ClBuffer> alloc;
    private final List<Page> pages = new ArrayList<>();

    record Slot(ClBuffer buffer, long offset, long size, int page) {}

    private static final class Page {
        final ClBuffer buffer;
        final List<long[]> free = new ArrayList<>(); // {offset, size}, sorted by offset

        Page(ClBuffer b) {
            buffer = b;
            free.add(new long[] {0, b.size()});
        }
    }

    ScratchAllocator(long maxPage, long minPage, LongFunction<ClBuffer> alloc) {
        this.maxPage = maxPage;
        this.minPage = Math.min(minPage, maxPage);
        this.alloc = alloc;
    }

    /** Frees every slot (the pages stay). */
    void reset() {
        for (Page p : pages) {
            p.free.clear();
            p.free.add(new long[] {0, p.buffer.size()});
        }
    }

    Slot allocate(long bytes, String what) {
        long size = Math.max(ALIGN, (bytes + ALIGN - 1) / ALIGN * ALIGN);
        if (size > maxPage)
            throw new BackendException("OpenCL: " + what + " needs " + bytes + " bytes, more than the device's largest allocation of "
                    + maxPage + " bytes");
        for (int i = 0; i < pages.size(); i++) {
            Slot s = take(i, size);
            if (s != null) return s;
        }
        long pageSize = Math.min(maxPage, Math.max(minPage, size));
        pages.add(new Page(alloc.apply(pageSize)));
        return take(pages.size() - 1, size);
    }

    private Slot take(int pi, long size) {
        Page p = pages.get(pi);
        for (int j = 0; j < p.free.size(); j++) {
            long[] f = p.free.get(j);
            if (f[1] >= size) {
                Slot s = new Slot(p.buffer, f[0], size, pi);
                f[0] += size;
                f[1] -= size;
                if (f[1] == 0) p.free.remove(j);
                return s;
            }
        }
        return null;
    }

    void free(Slot s) {
        List<long[]> free = pages.get(s.page()).free;
        int j = 0;
        while (j < free.size() && free.get(j)[0] < s.offset()) j++;
        free.add(j, new long[] {s.offset(), s.size()});
        if (j + 1 < free.size() && free.get(j)[0] + free.get(j)[1] == free.get(j + 1)[0]) {
            free.get(j)[1] += free.get(j + 1)[1];
            free.remove(j + 1);
        }
        if (j > 0 && free.get(j - 1)[0] + free.get(j - 1)[1] == free.get(j)[0]) {
            free.get(j - 1)[1] += free.get(j)[1];
            free.remove(j);
        }
    }

    long reservedBytes() {
        long n = 0;
        for (Page p : pages) n += p.buffer.size();
        return n;
    }

    @Override
    public void close() {
        for (Page p : pages) p.buffer.close();
        pages.clear();
    }
}
