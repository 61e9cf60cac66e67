package dev.quanta.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class CpuThreadPoolTest {
    @Test
    void everyPartRunsExactlyOnceAcrossManyTasks() {
        try (CpuThreadPool pool = new CpuThreadPool(3)) {
            pool.begin();
            try {
                for (int task = 0; task < 2000; task++) {
                    int parts = 1 + task % 13;
                    AtomicIntegerArray ran = new AtomicIntegerArray(parts);
                    int[] tids = new int[parts];
                    pool.run((part, n, tid) -> {
                        assertEquals(parts, n);
                        tids[part] = tid;
                        ran.incrementAndGet(part);
                    }, parts);
                    for (int p = 0; p < parts; p++) {
                        assertEquals(1, ran.get(p), "task " + task + " part " + p);
                        assertTrue(tids[p] >= 0 && tids[p] < 3);
                    }
                }
            } finally {
                pool.end();
            }
        }
    }

    @Test
    void aFailingPartIsRethrownAndThePoolStaysUsable() {
        try (CpuThreadPool pool = new CpuThreadPool(2)) {
            IllegalStateException boom = new IllegalStateException("boom");
            for (int i = 0; i < 50; i++) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run((part, n, tid) -> {
                    if (part == 3) throw boom;
                }, 8));
                assertSame(boom, e);
            }
            AtomicIntegerArray ran = new AtomicIntegerArray(4);
            pool.run((part, n, tid) -> ran.incrementAndGet(part), 4);
            for (int p = 0; p < 4; p++) assertEquals(1, ran.get(p));
        }
    }

    @Test
    void workersThatParkAreWokenForTheNextTask() throws InterruptedException {
        try (CpuThreadPool pool = new CpuThreadPool(2)) {
            for (int i = 0; i < 5; i++) {
                Thread.sleep(2); // longer than the idle spin: the worker parks
                AtomicIntegerArray ran = new AtomicIntegerArray(6);
                pool.run((part, n, tid) -> ran.incrementAndGet(part), 6);
                for (int p = 0; p < 6; p++) assertEquals(1, ran.get(p));
            }
        }
    }
}
