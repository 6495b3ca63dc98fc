package io.iommutracker.emulator.cmdline;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KernelCommandLineTest {

    @Test
    void parsesAcsSwitches() {
        KernelCommandLine c = KernelCommandLine.parse(
                "ro quiet pci=noats,disable_acs_redir=0000:02:00.0;pci:8086:1234,config_acs=1x0@00:01.0 pcie_acs_override=downstream,id:10de:1b80");
        assertThat(c.noAts()).isTrue();
        assertThat(c.acsConfigs()).hasSize(3);
        AcsConfig redir = c.acsConfigs().get(0);
        assertThat(redir.apply(0x3f)).isEqualTo(0x3f & ~(0x04 | 0x08 | 0x20));
        assertThat(c.acsConfigs().get(1).device()).isInstanceOf(DeviceMatcher.ById.class);
        AcsConfig cfg = c.acsConfigs().get(2);
        assertThat(cfg.apply(0x03)).isEqualTo(0x06); // bit 0 cleared, bit 1 kept, bit 2 set
        assertThat(c.acsOverride()).hasValueSatisfying(o -> {
            assertThat(o.downstream()).isTrue();
            assertThat(o.multifunction()).isFalse();
            assertThat(o.listsId(0x10de, 0x1b80)).isTrue();
        });
        assertThat(KernelCommandLine.parse("pci=config_acs=1q@00:01.0").acsConfigs()).isEmpty();
    }
}
