package dev.kj.kubelet.pause;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The sandbox's pause process, as a static Linux ELF executable kj writes itself: a few syscalls
 * of machine code, so no toolchain and no download is needed to make the pause image.
 *
 * <p>What it does, as upstream's pause does: it holds the pod's namespaces open by sleeping in
 * pause(2) forever; SIGTERM and SIGINT end it with status 0 (as PID 1 of its PID namespace it
 * would otherwise ignore them, having no handler); SIGCHLD is ignored with SA_NOCLDWAIT so the
 * kernel reaps the zombies of a shared PID namespace.
 *
 * <p>Only x86-64 is provided; on another architecture {@link #forArchitecture} says so.
 */
public final class PauseProgram {
    private static final long LOAD_ADDRESS = 0x400000L;
    private static final int ELF_HEADER_SIZE = 64;
    private static final int PROGRAM_HEADER_SIZE = 56;
    private static final int CODE_OFFSET = ELF_HEADER_SIZE + PROGRAM_HEADER_SIZE;

    private static final int SYS_RT_SIGACTION = 13;
    private static final int SYS_PAUSE = 34;
    private static final int SYS_EXIT_GROUP = 231;
    private static final int SIGINT = 2;
    private static final int SIGTERM = 15;
    private static final int SIGCHLD = 17;
    private static final long SIG_IGN = 1;
    private static final long SA_NOCLDWAIT = 0x2;
    // x86-64 signal delivery needs a restorer; the handler never returns, so it stands in for one.
    private static final long SA_RESTORER = 0x04000000;

    private PauseProgram() {
    }

    /** The executable for an OCI architecture name (amd64, arm64, ...). */
    public static byte[] forArchitecture(String ociArchitecture) {
        if (!ociArchitecture.equals("amd64")) {
            throw new UnsupportedOperationException("kj's pause program is built for amd64 only, not " + ociArchitecture);
        }
        return amd64();
    }

    /** The OCI architecture name of this JVM's machine. */
    public static String hostArchitecture() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> System.getProperty("os.arch");
        };
    }

    static byte[] amd64() {
        Code code = new Code();
        int[] actionFixups = new int[3];
        actionFixups[0] = sigaction(code, SIGTERM);
        actionFixups[1] = sigaction(code, SIGINT);
        actionFixups[2] = sigaction(code, SIGCHLD);
        int loop = code.position();
        code.bytes(0xb8).int32(SYS_PAUSE);                 // mov eax, pause
        code.bytes(0x0f, 0x05);                            // syscall
        code.bytes(0xeb, (loop - (code.position() + 2)) & 0xff); // jmp loop (interrupted by an ignored signal: sleep again)
        int handler = code.position();
        code.bytes(0xb8).int32(SYS_EXIT_GROUP);            // mov eax, exit_group
        code.bytes(0x31, 0xff);                            // xor edi, edi
        code.bytes(0x0f, 0x05);                            // syscall
        code.alignTo(8);
        long handlerAddress = LOAD_ADDRESS + CODE_OFFSET + handler;
        int exitAction = code.position();                  // struct kernel_sigaction: handler, flags, restorer, mask
        code.int64(handlerAddress).int64(SA_RESTORER).int64(handlerAddress).int64(0);
        int ignoreAction = code.position();
        code.int64(SIG_IGN).int64(SA_NOCLDWAIT | SA_RESTORER).int64(handlerAddress).int64(0);
        code.patchRipRelative(actionFixups[0], exitAction);
        code.patchRipRelative(actionFixups[1], exitAction);
        code.patchRipRelative(actionFixups[2], ignoreAction);
        return elf(code.toArray(), 62 /* EM_X86_64 */);
    }

    /** rt_sigaction(signal, &action, NULL, 8); returns where the action's rip-relative offset goes. */
    private static int sigaction(Code code, int signal) {
        code.bytes(0xb8).int32(SYS_RT_SIGACTION);          // mov eax, rt_sigaction
        code.bytes(0xbf).int32(signal);                    // mov edi, signal
        code.bytes(0x48, 0x8d, 0x35);                      // lea rsi, [rip + action]
        int fixup = code.position();
        code.int32(0);
        code.bytes(0x31, 0xd2);                            // xor edx, edx (no old action)
        code.bytes(0x41, 0xba).int32(8);                   // mov r10d, sizeof(sigset_t)
        code.bytes(0x0f, 0x05);                            // syscall
        return fixup;
    }

    /** One PT_LOAD segment (read, write, execute) holding the whole file, entry at the first instruction. */
    private static byte[] elf(byte[] code, int machine) {
        int size = CODE_OFFSET + code.length;
        ByteBuffer elf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        elf.put(new byte[] {0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* little-endian */, 1 /* version */, 0 /* System V */});
        elf.put(new byte[8]);
        elf.putShort((short) 2);                           // ET_EXEC
        elf.putShort((short) machine);
        elf.putInt(1);                                     // EV_CURRENT
        elf.putLong(LOAD_ADDRESS + CODE_OFFSET);           // entry
        elf.putLong(ELF_HEADER_SIZE);                      // program headers follow the ELF header
        elf.putLong(0);                                    // no section headers
        elf.putInt(0);                                     // flags
        elf.putShort((short) ELF_HEADER_SIZE);
        elf.putShort((short) PROGRAM_HEADER_SIZE);
        elf.putShort((short) 1);
        elf.putShort((short) 64);                          // section header entry size
        elf.putShort((short) 0);
        elf.putShort((short) 0);
        elf.putInt(1);                                     // PT_LOAD
        elf.putInt(7);                                     // PF_R | PF_W | PF_X
        elf.putLong(0);                                    // file offset
        elf.putLong(LOAD_ADDRESS);                         // virtual address
        elf.putLong(LOAD_ADDRESS);                         // physical address
        elf.putLong(size);                                 // bytes in the file
        elf.putLong(size);                                 // bytes in memory
        elf.putLong(0x1000);                               // alignment
        elf.put(code);
        return elf.array();
    }

    /** A growing little-endian code buffer. */
    private static final class Code {
        private final ByteBuffer buffer = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);

        int position() {
            return buffer.position();
        }

        Code bytes(int... values) {
            for (int value : values) {
                buffer.put((byte) value);
            }
            return this;
        }

        Code int32(int value) {
            buffer.putInt(value);
            return this;
        }

        Code int64(long value) {
            buffer.putLong(value);
            return this;
        }

        void alignTo(int alignment) {
            while (buffer.position() % alignment != 0) {
                buffer.put((byte) 0xcc);
            }
        }

        /** A rip-relative disp32 at {@code at} counts from the end of its 4 bytes. */
        void patchRipRelative(int at, int target) {
            buffer.putInt(at, target - (at + 4));
        }

        byte[] toArray() {
            byte[] out = new byte[buffer.position()];
            buffer.get(0, out);
            return out;
        }
    }
}
