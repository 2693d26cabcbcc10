data "vessel_kvm_screenshot" "blade1" {
  slot    = 1
  timeout = "30s"
  path    = "${path.root}/blade1.png"
}

output "blade1_console" {
  value = "${data.vessel_kvm_screenshot.blade1.width}x${data.vessel_kvm_screenshot.blade1.height}, powered: ${data.vessel_kvm_screenshot.blade1.blade_powered}"
}
